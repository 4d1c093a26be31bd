package stack

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/internal/stack/artifact"
	"github.com/gatehouse/gatehouse/internal/stack/sam"
	"github.com/gatehouse/gatehouse/internal/stack/template"
)

// CodeToPackage lists the functions of a template whose code is local
// (CodeUri), for the deploying machine to package before it deploys.
// Template errors come back as they would from the deploy, so a broken
// template stops before anything is built.
func CodeToPackage(templatePath string, src []byte) ([]artifact.Function, error) {
	t, err := template.Parse(filepath.Base(templatePath), src)
	if err != nil {
		return nil, err
	}
	res, err := sam.Transform(t.Doc, sam.Options{})
	if err != nil {
		var se *sam.Error
		if errors.As(err, &se) {
			return nil, t.Errorf(se.Path, "%s", se.Msg)
		}
		return nil, err
	}
	resources, _ := res.Doc["Resources"].(map[string]any)
	var out []artifact.Function
	seen := map[string]bool{}
	for _, id := range sortedKeys(resources) {
		r, _ := resources[id].(map[string]any)
		if r["Type"] != "AWS::Lambda::Function" {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		key, ok := codeURI(props)
		if !ok || seen[key] {
			continue
		}
		seen[key] = true
		f := artifact.Function{LogicalID: id, CodeURI: key, BaseDir: filepath.Dir(templatePath)}
		f.Location = t.Errorf([]string{"Resources", id, "Properties", "CodeUri"}, "x").Error()
		f.Location = strings.TrimSuffix(f.Location, ": x")
		f.Runtime, _ = props["Runtime"].(string)
		f.Handler, _ = props["Handler"].(string)
		f.Architectures = strList(props, "Architectures")
		if md, ok := r["Metadata"].(map[string]any); ok {
			f.BuildMethod, _ = md["BuildMethod"].(string)
		}
		out = append(out, f)
	}
	return out, nil
}

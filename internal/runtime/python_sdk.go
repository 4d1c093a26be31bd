package runtime

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pythonSDKModules are what Lambda's Python runtimes ship besides the
// standard library: boto3 and what it needs.
var pythonSDKModules = []string{"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}

// findSpecScript prints where each module lives without importing it
// (importing boto3 takes a third of a second).
const findSpecScript = `import importlib.util, sys
for name in sys.argv[1:]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None and not spec.submodule_search_locations:
        print(name + "\t")
        continue
    if spec.submodule_search_locations:
        print(name + "\t" + list(spec.submodule_search_locations)[0])
    else:
        print(name + "\t" + spec.origin)
`

// linkPythonSDK makes dir a directory of links to the host Python's AWS
// SDK packages, for functions' PYTHONPATH. It returns "" (and functions
// bring their own SDK, as with a runtime that lacks one) when boto3 is
// not installed for that interpreter.
func linkPythonSDK(python, dir string, log *slog.Logger) string {
	cmd := exec.Command(python, append([]string{"-c", findSpecScript}, pythonSDKModules...)...)
	out, err := cmd.Output()
	if err != nil {
		log.Warn("python functions get no AWS SDK: could not look for boto3", "err", err)
		return ""
	}
	found := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, path, _ := strings.Cut(line, "\t")
		if path != "" {
			found[name] = path
		}
	}
	if found["boto3"] == "" || found["botocore"] == "" {
		log.Warn("python functions get no AWS SDK: boto3 is not installed for " + python)
		return ""
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return ""
	}
	for name, path := range found {
		if err := os.Symlink(path, filepath.Join(tmp, filepath.Base(path))); err != nil {
			log.Warn("python functions get no AWS SDK", "module", name, "err", err)
			os.RemoveAll(tmp)
			return ""
		}
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return ""
	}
	return dir
}

package sam

import "strings"

// resolveResourceRefs rewrites SAM's references to the resources a SAM
// resource expands to ("MyApi.Stage", "MyApi.Deployment", "MyApi.UsagePlan"
// …) into references to the generated logical IDs, anywhere in the
// template: {"Ref": "MyApi.Stage"}, {"Fn::GetAtt": ["MyApi.Stage", "X"]}
// (also written ["MyApi", "Stage.X"]) and ${MyApi.Stage} inside Fn::Sub.
// Everything else, the generated Ref targets included, stays as written.
func resolveResourceRefs(v any, refs map[string]map[string]string) {
	if len(refs) == 0 {
		return
	}
	lookup := func(ref string) (string, bool) {
		id, prop, ok := strings.Cut(ref, ".")
		if !ok || id == "" || prop == "" {
			return "", false
		}
		gen, ok := refs[id][prop]
		return gen, ok
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if len(x) == 1 {
				switch {
				case x["Ref"] != nil:
					if s, ok := x["Ref"].(string); ok {
						if gen, ok := lookup(s); ok {
							x["Ref"] = gen
						}
					}
				case x["Fn::GetAtt"] != nil:
					resolveGetAtt(x, lookup)
				case x["Fn::Sub"] != nil:
					switch s := x["Fn::Sub"].(type) {
					case string:
						x["Fn::Sub"] = resolveSub(s, refs)
					case []any:
						if len(s) > 0 {
							if str, ok := s[0].(string); ok {
								s[0] = resolveSub(str, refs)
							}
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}

func resolveGetAtt(x map[string]any, lookup func(string) (string, bool)) {
	list, ok := x["Fn::GetAtt"].([]any)
	if !ok || len(list) < 2 {
		return
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return
		}
		parts = append(parts, s)
	}
	split := strings.Split(strings.Join(parts, "."), ".")
	if len(split) < 2 {
		return
	}
	gen, ok := lookup(split[0] + "." + split[1])
	if !ok {
		return
	}
	out := []any{gen}
	for _, s := range split[2:] {
		out = append(out, s)
	}
	x["Fn::GetAtt"] = out
}

// resolveSub replaces ${Id.Property} and ${Id.Property.Attr} in a Sub
// string; ${!Literal} and other variables are left alone.
func resolveSub(s string, refs map[string]map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		parts := strings.Split(name, ".")
		if len(parts) >= 2 && refs[parts[0]][parts[1]] != "" {
			b.WriteString("${" + strings.Join(append([]string{refs[parts[0]][parts[1]]}, parts[2:]...), ".") + "}")
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

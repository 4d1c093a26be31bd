package sam

import "strings"

// sharedUsagePlan accumulates the APIs whose Auth.UsagePlan is SHARED: they
// share one ServerlessUsagePlan, ServerlessApiKey and ServerlessUsagePlanKey.
type sharedUsagePlan struct {
	plan, key, planKey  map[string]any
	apis                []string
	apiStages           []any
	stageKeys           []any
	deletion, replacing string
}

// usagePlan generates the usage plan, API key and usage plan key that SAM
// creates for Auth.UsagePlan. gatehouse enforces them: methods that require
// an API key take keys from the stage's usage plans.
func (t *transformer) usagePlan(a *restAPI, stageID string) error {
	auth, _ := a.props["Auth"].(map[string]any)
	if !truthy(auth) {
		return nil
	}
	v, ok := auth["UsagePlan"]
	if !ok || v == nil {
		return nil
	}
	l := a.p().keyLoc("Auth").at("UsagePlan")
	p, err := asProps(v, l, "UsagePlan")
	if err != nil {
		return err
	}
	if err := p.only("UsagePlan", "CreateUsagePlan", "Description", "Quota", "Tags", "Throttle", "UsagePlanName"); err != nil {
		return err
	}
	mode, ok := p.m["CreateUsagePlan"]
	switch {
	case !ok || mode == nil:
		return l.errf("CreateUsagePlan is required (PER_API, SHARED or NONE)")
	case mode == "NONE":
		return nil
	case mode != "PER_API" && mode != "SHARED":
		return l.at("CreateUsagePlan").errf("must be PER_API, SHARED or NONE, not %s", pyStr(mode))
	}
	stages := map[string]any{"ApiId": ref(a.id), "Stage": ref(stageID)}
	keyStage := map[string]any{"RestApiId": ref(a.id), "StageName": ref(stageID)}
	if mode == "PER_API" {
		planID, keyID, planKeyID := a.id+"UsagePlan", a.id+"ApiKey", a.id+"UsagePlanKey"
		plan := resource("AWS::ApiGateway::UsagePlan", map[string]any{"ApiStages": []any{stages}})
		plan["DependsOn"] = []any{a.id}
		key := resource("AWS::ApiGateway::ApiKey", map[string]any{"Enabled": true, "StageKeys": []any{keyStage}})
		key["DependsOn"] = []any{planID}
		planKey := resource("AWS::ApiGateway::UsagePlanKey", map[string]any{
			"KeyId": ref(keyID), "KeyType": "API_KEY", "UsagePlanId": ref(planID)})
		planKey["DependsOn"] = []any{keyID}
		setPlanProperties(plan, p.m)
		for _, r := range []struct {
			id  string
			res map[string]any
		}{{planID, plan}, {keyID, key}, {planKeyID, planKey}} {
			a.passthrough(r.res)
			if err := t.add(r.id, r.res, l, a.id); err != nil {
				return err
			}
			a.generated = append(a.generated, r.res)
		}
		t.addRef(a.id, "UsagePlan", planID)
		t.addRef(a.id, "ApiKey", keyID)
		t.addRef(a.id, "UsagePlanKey", planKeyID)
		return nil
	}
	if _, ok := a.res["Condition"]; ok {
		return a.loc.at("Condition").errf("a Condition on an API with a SHARED usage plan is not supported by gatehouse")
	}
	s := t.shared
	if s == nil {
		s = &sharedUsagePlan{}
		t.shared = s
		s.plan = resource("AWS::ApiGateway::UsagePlan", map[string]any{})
		s.key = resource("AWS::ApiGateway::ApiKey", map[string]any{"Enabled": true})
		s.key["DependsOn"] = []any{"ServerlessUsagePlan"}
		s.planKey = resource("AWS::ApiGateway::UsagePlanKey", map[string]any{
			"KeyId": ref("ServerlessApiKey"), "KeyType": "API_KEY", "UsagePlanId": ref("ServerlessUsagePlan")})
		s.planKey["DependsOn"] = []any{"ServerlessApiKey"}
		for _, r := range []struct {
			id  string
			res map[string]any
		}{{"ServerlessUsagePlan", s.plan}, {"ServerlessApiKey", s.key}, {"ServerlessUsagePlanKey", s.planKey}} {
			if err := t.add(r.id, r.res, l, a.id); err != nil {
				return err
			}
		}
	}
	s.apis = append(s.apis, a.id)
	depends := make([]any, len(s.apis))
	for i, id := range s.apis {
		depends[i] = id
	}
	s.apiStages = append(s.apiStages, stages)
	s.stageKeys = append(s.stageKeys, keyStage)
	// The translator rebuilds the shared plan for every API, so the
	// settings of whichever API it happens to process last win (its order
	// follows Python 2.7 string hashes). Here every API's settings apply,
	// and two APIs that disagree are refused rather than one chosen.
	planProps := s.plan["Properties"].(map[string]any)
	planProps["ApiStages"] = s.apiStages
	for _, k := range planSettings() {
		v := p.m[k]
		if !truthy(v) {
			continue
		}
		if prev, ok := planProps[k]; ok && contentHash(prev) != contentHash(v) {
			return l.at(k).errf("the SHARED usage plan already has a different %s from %s", k, strings.Join(s.apis[:len(s.apis)-1], ", "))
		}
		planProps[k] = clone(v)
	}
	s.plan["DependsOn"] = depends
	s.key["Properties"].(map[string]any)["StageKeys"] = s.stageKeys
	// Retain beats Delete, and Snapshot beats Delete, as in the translator.
	if d, _ := a.res["DeletionPolicy"].(string); d != "" && (s.deletion == "" || d == "Retain") {
		s.deletion = d
	}
	if r, _ := a.res["UpdateReplacePolicy"].(string); r != "" &&
		(s.replacing == "" || r == "Retain" || r == "Snapshot" && s.replacing == "Delete") {
		s.replacing = r
	}
	for _, res := range []map[string]any{s.plan, s.key, s.planKey} {
		if s.deletion != "" {
			res["DeletionPolicy"] = s.deletion
		}
		if s.replacing != "" {
			res["UpdateReplacePolicy"] = s.replacing
		}
	}
	a.generated = append(a.generated, s.plan, s.key, s.planKey)
	t.addRef(a.id, "UsagePlan", "ServerlessUsagePlan")
	t.addRef(a.id, "ApiKey", "ServerlessApiKey")
	t.addRef(a.id, "UsagePlanKey", "ServerlessUsagePlanKey")
	return nil
}

func planSettings() []string {
	return []string{"UsagePlanName", "Description", "Quota", "Tags", "Throttle"}
}

func setPlanProperties(plan map[string]any, cfg map[string]any) {
	props := plan["Properties"].(map[string]any)
	for _, k := range planSettings() {
		if truthy(cfg[k]) {
			props[k] = clone(cfg[k])
		}
	}
}

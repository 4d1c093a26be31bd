package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Store kinds for API keys and usage plans.
const (
	kindAPIKey       = "apigw-apikey"        // id: key id
	kindUsagePlan    = "apigw-usageplan"     // id: plan id
	kindUsagePlanKey = "apigw-usageplan-key" // id: planID/keyID
)

type apiKeyRecord struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Value is kept as given: API keys meter usage, they do not
	// authenticate (GetApiKey shows them to administrators, as on AWS).
	Value   []byte    `json:"value"`
	Enabled bool      `json:"enabled"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

type apiStage struct {
	APIID string `json:"apiId"`
	Stage string `json:"stage"`
}

type quota struct {
	Limit  int    `json:"limit"`
	Period string `json:"period"` // DAY, WEEK, MONTH
	Offset int    `json:"offset,omitempty"`
}

type usagePlanRecord struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	APIStages   []apiStage `json:"apiStages"`
	Throttle    *throttle  `json:"throttle,omitempty"`
	Quota       *quota     `json:"quota,omitempty"`
}

func (k *apiKeyRecord) view(withValue bool) map[string]any {
	out := map[string]any{"id": k.ID, "name": k.Name, "enabled": k.Enabled, "createdDate": epochSeconds(k.Created),
		"lastUpdatedDate": epochSeconds(k.Updated), "stageKeys": []string{}}
	if k.Description != "" {
		out["description"] = k.Description
	}
	if withValue {
		out["value"] = string(k.Value)
	}
	return out
}

func (p *usagePlanRecord) view() map[string]any {
	out := map[string]any{"id": p.ID, "name": p.Name, "apiStages": p.APIStages}
	if p.Description != "" {
		out["description"] = p.Description
	}
	if p.Throttle != nil {
		out["throttle"] = map[string]any{"rateLimit": p.Throttle.RateLimit, "burstLimit": p.Throttle.BurstLimit}
	}
	if p.Quota != nil {
		out["quota"] = p.Quota
	}
	return out
}

// keysControlPlane serves /apikeys and /usageplans.
func (s *Service) keysControlPlane(w http.ResponseWriter, r *awsproto.Request, parts []string) error {
	ctx, m := r.Context(), r.Method
	switch {
	case parts[0] == "apikeys" && len(parts) == 1 && m == http.MethodPost:
		var in struct {
			Name, Description, Value string
			Enabled                  bool
		}
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return badRequest("Invalid request body")
		}
		if in.Value == "" {
			in.Value = newID(40)
		}
		if len(in.Value) < 20 || len(in.Value) > 128 {
			return badRequest("API Key value should be at least 20 characters")
		}
		now := s.now().UTC()
		k := apiKeyRecord{ID: newID(10), Name: in.Name, Description: in.Description, Value: []byte(in.Value), Enabled: in.Enabled, Created: now, Updated: now}
		data, _ := json.Marshal(k)
		if _, err := s.st.Create(ctx, kindAPIKey, k.ID, data); err != nil {
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
		return reply(w, http.StatusCreated, k.view(true))
	case parts[0] == "apikeys" && len(parts) == 1 && m == http.MethodGet:
		rs, err := s.st.List(ctx, kindAPIKey, "", "", 0)
		if err != nil {
			return err
		}
		items := []map[string]any{}
		for _, rr := range rs {
			var k apiKeyRecord
			if err := json.Unmarshal(rr.Data, &k); err != nil {
				return err
			}
			items = append(items, k.view(r.URL.Query().Get("includeValues") == "true"))
		}
		return reply(w, http.StatusOK, map[string]any{"items": items})
	case parts[0] == "apikeys" && len(parts) == 2 && m == http.MethodGet:
		var k apiKeyRecord
		if err := s.getJSON(ctx, kindAPIKey, parts[1], &k, notFound("Invalid API Key identifier specified")); err != nil {
			return err
		}
		return reply(w, http.StatusOK, k.view(r.URL.Query().Get("includeValue") == "true"))
	case parts[0] == "apikeys" && len(parts) == 2 && m == http.MethodDelete:
		if err := s.st.Delete(ctx, kindAPIKey, parts[1]); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return notFound("Invalid API Key identifier specified")
			}
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	case parts[0] == "usageplans" && len(parts) == 1 && m == http.MethodPost:
		var in usagePlanRecord
		if err := json.Unmarshal(r.Body, &in); err != nil || in.Name == "" {
			return badRequest("Invalid usage plan: a name is required")
		}
		if q := in.Quota; q != nil && (q.Limit < 0 || (q.Period != "DAY" && q.Period != "WEEK" && q.Period != "MONTH")) {
			return badRequest("Invalid quota: period must be DAY, WEEK or MONTH")
		}
		for _, st := range in.APIStages {
			if _, err := s.loadStage(ctx, st.APIID, st.Stage); err != nil {
				return badRequest("Invalid stage identifier specified: %s/%s", st.APIID, st.Stage)
			}
		}
		if in.APIStages == nil {
			in.APIStages = []apiStage{}
		}
		in.ID = newID(6)
		data, _ := json.Marshal(in)
		if _, err := s.st.Create(ctx, kindUsagePlan, in.ID, data); err != nil {
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
		return reply(w, http.StatusCreated, in.view())
	case parts[0] == "usageplans" && len(parts) == 1 && m == http.MethodGet:
		rs, err := s.st.List(ctx, kindUsagePlan, "", "", 0)
		if err != nil {
			return err
		}
		items := []map[string]any{}
		for _, rr := range rs {
			var p usagePlanRecord
			if err := json.Unmarshal(rr.Data, &p); err != nil {
				return err
			}
			items = append(items, p.view())
		}
		return reply(w, http.StatusOK, map[string]any{"items": items})
	case parts[0] == "usageplans" && len(parts) == 2 && m == http.MethodGet:
		var p usagePlanRecord
		if err := s.getJSON(ctx, kindUsagePlan, parts[1], &p, notFound("Invalid Usage Plan ID specified")); err != nil {
			return err
		}
		return reply(w, http.StatusOK, p.view())
	case parts[0] == "usageplans" && len(parts) == 2 && m == http.MethodDelete:
		err := s.st.Tx(ctx, func(tx store.Tx) error {
			if err := tx.Delete(kindUsagePlan, parts[1]); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return notFound("Invalid Usage Plan ID specified")
				}
				return err
			}
			keys, err := tx.List(kindUsagePlanKey, parts[1]+"/", "", 0)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := tx.Delete(kindUsagePlanKey, k.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	case parts[0] == "usageplans" && len(parts) == 3 && parts[2] == "keys" && m == http.MethodPost:
		var in struct{ KeyID, KeyType string }
		if err := json.Unmarshal(r.Body, &in); err != nil || in.KeyType != "API_KEY" {
			return badRequest("Invalid usage plan key: keyType must be API_KEY")
		}
		var p usagePlanRecord
		if err := s.getJSON(ctx, kindUsagePlan, parts[1], &p, notFound("Invalid Usage Plan ID specified")); err != nil {
			return err
		}
		var k apiKeyRecord
		if err := s.getJSON(ctx, kindAPIKey, in.KeyID, &k, notFound("Invalid API Key identifier specified")); err != nil {
			return err
		}
		if _, err := s.st.Create(ctx, kindUsagePlanKey, p.ID+"/"+k.ID, nil); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return conflict("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage", p.ID, k.ID)
			}
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
		return reply(w, http.StatusCreated, map[string]any{"id": k.ID, "type": "API_KEY", "name": k.Name, "value": string(k.Value)})
	case parts[0] == "usageplans" && len(parts) == 4 && parts[2] == "keys" && m == http.MethodDelete:
		if err := s.st.Delete(ctx, kindUsagePlanKey, parts[1]+"/"+parts[3]); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return notFound("Invalid Usage Plan Key identifier specified")
			}
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	return awsproto.Errorf(http.StatusNotFound, "UnknownOperationException", "Operation %s %s is not supported by gatehouse yet.", m, r.URL.Path)
}

// liveKeys are the API keys that can be used now, with their plans.
type liveKeys struct {
	byValue map[string]*liveKey
}

type liveKey struct {
	id    string
	plans []*livePlan
}

// livePlan is a usage plan as requests meet it: the stages it covers,
// one throttle bucket per key, and quota counts per key and period.
type livePlan struct {
	id     string
	stages map[string]bool // apiID/stage
	rec    usagePlanRecord
	// c carries over when the key table reloads, so that a plan's
	// buckets and counts survive an unrelated change.
	c *planCounters
}

// planCounters are a plan's per-key throttle buckets and quota counts.
type planCounters struct {
	mu      sync.Mutex
	buckets map[string]*bucket // key id
	// used counts requests per key id + "/" + period start: what the
	// store held when last read, plus pending.
	used map[string]int
	// pending are counts not yet written to the store; FlushUsage
	// writes them, so a restart keeps a quota's count (all but the
	// last flush interval after a crash).
	pending map[string]int
}

// loadKeys builds the live key table from the store, keeping buckets and
// counts of plans that carry on.
func (s *Service) loadKeys(ctx context.Context, old *liveKeys) (*liveKeys, error) {
	lk := &liveKeys{byValue: map[string]*liveKey{}}
	plans := map[string]*livePlan{}
	prevPlans := map[string]*livePlan{}
	if old != nil {
		for _, k := range old.byValue {
			for _, p := range k.plans {
				prevPlans[p.id] = p
			}
		}
	}
	rs, err := s.st.List(ctx, kindUsagePlan, "", "", 0)
	if err != nil {
		return nil, err
	}
	for _, rr := range rs {
		var p usagePlanRecord
		if err := json.Unmarshal(rr.Data, &p); err != nil {
			return nil, err
		}
		lp := &livePlan{id: p.ID, stages: map[string]bool{}, rec: p}
		if prev := prevPlans[p.ID]; prev != nil {
			lp.c = prev.c
		} else {
			lp.c = &planCounters{buckets: map[string]*bucket{}, used: map[string]int{}, pending: map[string]int{}}
		}
		if prevPlans[p.ID] == nil && p.Quota != nil {
			if err := s.loadUsage(ctx, lp); err != nil {
				return nil, err
			}
		}
		for _, st := range p.APIStages {
			lp.stages[st.APIID+"/"+st.Stage] = true
		}
		plans[p.ID] = lp
	}
	keys, err := s.st.List(ctx, kindAPIKey, "", "", 0)
	if err != nil {
		return nil, err
	}
	byID := map[string]*liveKey{}
	for _, rr := range keys {
		var k apiKeyRecord
		if err := json.Unmarshal(rr.Data, &k); err != nil {
			return nil, err
		}
		if !k.Enabled {
			continue
		}
		lkey := &liveKey{id: k.ID}
		lk.byValue[string(k.Value)] = lkey
		byID[k.ID] = lkey
	}
	links, err := s.st.List(ctx, kindUsagePlanKey, "", "", 0)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		planID, keyID, _ := strings.Cut(l.ID, "/")
		if k, p := byID[keyID], plans[planID]; k != nil && p != nil {
			k.plans = append(k.plans, p)
		}
	}
	return lk, nil
}

// checkAPIKey decides a request to a method that requires an API key:
// the key must be enabled and in a usage plan covering the stage; the
// plan's throttle and quota then apply. It returns the gateway response
// type to answer with, or "".
func (s *Service) checkAPIKey(keys *liveKeys, apiID, stage, value string) string {
	if keys == nil || value == "" {
		return "INVALID_API_KEY"
	}
	k := keys.byValue[value]
	if k == nil {
		return "INVALID_API_KEY"
	}
	for _, p := range k.plans {
		if !p.stages[apiID+"/"+stage] {
			continue
		}
		return p.admit(k.id, s.now())
	}
	return "INVALID_API_KEY"
}

// admit applies a plan's throttle and quota to one request of a key.
func (p *livePlan) admit(keyID string, now time.Time) string {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := p.rec.Throttle; t != nil && (t.RateLimit > 0 || t.BurstLimit > 0) {
		b := c.buckets[keyID]
		if b == nil {
			b = newBucket(t.RateLimit, t.BurstLimit, func() time.Time { return now })
			c.buckets[keyID] = b
		}
		if !b.takeAt(now) {
			return "THROTTLED"
		}
	}
	if q := p.rec.Quota; q != nil {
		key := keyID + "/" + periodStart(q.Period, now).Format(time.RFC3339)
		if c.used[key] >= q.Limit {
			return "QUOTA_EXCEEDED"
		}
		c.used[key]++
		c.pending[key]++
	}
	return ""
}

// periodStart is the start (UTC) of the quota period containing now.
func periodStart(period string, now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "WEEK":
		return day.AddDate(0, 0, -int(day.Weekday()))
	case "MONTH":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// liveAPIs is everything being served, rebuilt whole when an API, a
// deployment or a stage changes and swapped in atomically: requests in
// flight finish on the snapshot they started with.
type liveAPIs struct {
	apis map[string]*liveAPI
	keys *liveKeys
}

type liveAPI struct {
	id     string
	proto  Protocol
	stages map[string]*liveStage
}

// liveStage is one deployed stage, ready to serve.
type liveStage struct {
	apiID, name string
	proto       Protocol
	def         *Definition
	router      *Router
	vars        map[string]string
	throttle    *bucket // nil: unthrottled
	// methodThrottle: one method's own bucket, by "METHOD /resource".
	methodThrottle map[string]*bucket
	accessLog      *accessLog
}

// reload rebuilds the live set from the store.
func (s *Service) reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	apis, err := s.st.List(ctx, kindAPI, "", "", 0)
	if err != nil {
		return err
	}
	next := &liveAPIs{apis: map[string]*liveAPI{}}
	old := s.live.Load()
	for _, ar := range apis {
		var api apiRecord
		if err := json.Unmarshal(ar.Data, &api); err != nil {
			return err
		}
		la := &liveAPI{id: api.ID, proto: api.Protocol, stages: map[string]*liveStage{}}
		stages, err := s.st.List(ctx, kindStage, api.ID+"/", "", 0)
		if err != nil {
			return err
		}
		for _, sr := range stages {
			var st stageRecord
			if err := json.Unmarshal(sr.Data, &st); err != nil {
				return err
			}
			if st.DeploymentID == "" {
				continue // an HTTP API stage created before any deployment
			}
			var d deploymentRecord
			if err := s.getJSON(ctx, kindDeployment, api.ID+"/"+st.DeploymentID, &d, nil); err != nil {
				s.log.Warn("stage points at a missing deployment; not served", "api", api.ID, "stage", st.Name, "err", err)
				continue
			}
			def, err := ParseDefinition(d.Doc, api.Protocol, s.opts.Region, s.opts.Account)
			if err != nil {
				s.log.Warn("deployed document no longer compiles; stage not served", "api", api.ID, "stage", st.Name, "err", err)
				continue
			}
			router, err := NewRouter(api.Protocol, def.Routes)
			if err != nil {
				s.log.Warn("deployed routes conflict; stage not served", "api", api.ID, "stage", st.Name, "err", err)
				continue
			}
			ls := &liveStage{apiID: api.ID, name: st.Name, proto: api.Protocol, def: def, router: router, vars: st.Variables, accessLog: st.AccessLog}
			if st.RateLimit > 0 || st.BurstLimit > 0 {
				// A bucket keeps its tokens across redeploys of the same limits.
				if prev := old.stage(api.ID, st.Name); prev != nil && prev.throttle != nil && prev.throttle.same(st.RateLimit, st.BurstLimit) {
					ls.throttle = prev.throttle
				} else {
					ls.throttle = newBucket(st.RateLimit, st.BurstLimit, s.now)
				}
			}
			for key, t := range st.MethodThrottle {
				if t.RateLimit <= 0 && t.BurstLimit <= 0 {
					continue
				}
				if ls.methodThrottle == nil {
					ls.methodThrottle = map[string]*bucket{}
				}
				if prev := old.stage(api.ID, st.Name); prev != nil && prev.methodThrottle[key] != nil && prev.methodThrottle[key].same(t.RateLimit, t.BurstLimit) {
					ls.methodThrottle[key] = prev.methodThrottle[key]
				} else {
					ls.methodThrottle[key] = newBucket(t.RateLimit, t.BurstLimit, s.now)
				}
			}
			la.stages[st.Name] = ls
		}
		next.apis[api.ID] = la
	}
	if next.keys, err = s.loadKeys(ctx, old.keys); err != nil {
		return err
	}
	s.live.Store(next)
	return nil
}

func (l *liveAPIs) stage(apiID, name string) *liveStage {
	if l == nil {
		return nil
	}
	a := l.apis[apiID]
	if a == nil {
		return nil
	}
	return a.stages[name]
}

// bucket is a token bucket: rate tokens a second, up to burst.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  int
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(rate float64, burst int, now func() time.Time) *bucket {
	if burst <= 0 {
		burst = int(rate)
		if burst < 1 {
			burst = 1
		}
	}
	return &bucket{rate: rate, burst: burst, tokens: float64(burst), last: now(), now: now}
}

func (b *bucket) same(rate float64, burst int) bool {
	return b.rate == rate && (burst == 0 || b.burst == burst)
}

// take reports whether a request may go now.
func (b *bucket) take() bool { return b.takeAt(b.now()) }

// takeAt is take at a given instant.
func (b *bucket) takeAt(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > float64(b.burst) {
		b.tokens = float64(b.burst)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// HostAPI reads the API id from a Host of the form
// {apiId}.execute-api.{anything}[:port].
func HostAPI(host string) (string, bool) {
	if i := strings.IndexByte(host, '.'); i > 0 && strings.HasPrefix(host[i+1:], "execute-api.") {
		return host[:i], true
	}
	return "", false
}

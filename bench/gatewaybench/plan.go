package main

import (
	"runtime"
	"time"
)

// route is one way to reach the proxy function.
type route struct {
	id, label, path, auth string
}

// latencySlice is the turn each route gets in the one-at-a-time pass.
const latencySlice = 250 * time.Millisecond

// phases measures every route at the chosen concurrency, then one
// request at a time for the latency, checks the Cognito route for RSA
// work, and measures the gateway routes again through net/http.
func (b *bench) phases() (*report, error) {
	rep := &report{Date: time.Now().UTC().Format("2006-01-02"), CPUs: runtime.NumCPU(), Concurrency: *conc,
		PhaseSeconds: duration.Seconds(), LatencyPhaseSeconds: latencyDur.Seconds()}
	routes := []route{
		{"invoke", "Invoke API, signed (direct, the baseline)", "", ""},
		{"open", "gateway, open route", "/open", ""},
		{"cognito", "gateway, Cognito authorizer (one ID token)", "/cognito", b.idToken},
		{"lambda", "gateway, Lambda TOKEN authorizer (cached, TTL 300 s)", "/lambda", authToken},
	}
	// raw is the routes' phases on raw connections, the Invoke signed
	// afresh each time so that a replayed signature is never old.
	raw := func(suffix string) ([]phaseSpec, error) {
		var ps []phaseSpec
		for _, r := range routes {
			wire := b.gatewayWire(r.path, r.auth)
			if r.path == "" {
				var err error
				if wire, err = b.invokeWire(); err != nil {
					return nil, err
				}
			}
			ps = append(ps, phaseSpec{r.id + suffix, r.label, b.rawTransport(wire)})
		}
		return ps, nil
	}

	ps, err := raw("")
	if err != nil {
		return nil, err
	}
	if rep.Environments, err = b.warmEnvironments(ps[0].t, *conc, 15*time.Second); err != nil {
		return nil, err
	}
	_, peak := b.srv.Memory()
	b.note("%d environments of %s warm; server peak RSS %.0f MiB", rep.Environments, proxyFn, peak)
	for _, p := range ps {
		r, err := b.measure(p, *conc, *duration)
		if err != nil {
			return nil, err
		}
		rep.Phases = append(rep.Phases, r)
	}

	if ps, err = raw("-1"); err != nil {
		return nil, err
	}
	rs, err := b.interleave(ps, 1, *latencyDur, latencySlice)
	if err != nil {
		return nil, err
	}
	rep.Phases = append(rep.Phases, rs...)

	if ps, err = raw(""); err != nil {
		return nil, err
	}
	if rep.RSACheck, err = b.rsaInProfile(ps[2].t, *conc); err != nil {
		return nil, err
	}

	if !*skipNetHTTP {
		for _, r := range routes[1:3] {
			p := phaseSpec{r.id + "-http", r.label, b.httpTransport(r.path, r.auth, *conc)}
			res, err := b.measure(p, *conc, *duration)
			if err != nil {
				return nil, err
			}
			rep.Phases = append(rep.Phases, res)
		}
	}
	return rep, nil
}

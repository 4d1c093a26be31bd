package main

import (
	"fmt"
	"io"
	"strings"
)

// report is a whole run, as printed and as --json emits it.
type report struct {
	Date                string   `json:"date"`
	CPUs                int      `json:"cpus"`
	Concurrency         int      `json:"concurrency"`
	PhaseSeconds        float64  `json:"phase_seconds"`
	LatencyPhaseSeconds float64  `json:"latency_phase_seconds"`
	Environments        int      `json:"warm_environments"`
	Phases              []result `json:"phases"`
	RSSMiB              float64  `json:"server_rss_mib"`
	PeakRSSMiB          float64  `json:"server_peak_rss_mib"`
	SetupPeakRSSMiB     float64  `json:"server_peak_rss_after_setup_mib"`
	RSACheck            rsaCheck `json:"cognito_rsa_check"`
	Targets             []target `json:"targets"`
}

// target is one of the targets or checks against what was
// measured, with the figures the issue gives for serverless-offline and a
// trivial Go HTTP server on this kind of machine (0: none given).
type target struct {
	What              string  `json:"what"`
	Measured          string  `json:"measured"`
	Target            string  `json:"target"`
	Met               bool    `json:"met"`
	ServerlessOffline float64 `json:"serverless_offline,omitempty"`
	GoHTTPServer      float64 `json:"go_http_server,omitempty"`
}

func (r *report) phase(id string) (result, bool) {
	for _, p := range r.Phases {
		if p.ID == id {
			return p, true
		}
	}
	return result{}, false
}

// added is a route's p50 and p99 minus the direct Invoke's, one at a time:
// what the gateway adds to a request with no queueing in it.
func (r *report) added(id string) (p50, p99 float64, ok bool) {
	g, ok1 := r.phase(id + "-1")
	d, ok2 := r.phase("invoke-1")
	if !ok1 || !ok2 || g.Requests == 0 || d.Requests == 0 {
		return 0, 0, false
	}
	return g.P50ms - d.P50ms, g.P99ms - d.P99ms, true
}

// targets compares the run with the targets, and checks what the
// authorizers must not do on every request.
func (r *report) targets() []target {
	var out []target
	if p, ok := r.phase("cognito"); ok {
		out = append(out, target{What: fmt.Sprintf("requests/s at concurrency %d, Cognito authorizer, warm trivial Go function", p.Concurrency),
			Measured: fmt.Sprintf("%.0f (errors %d)", p.PerSecond, p.Errors), Target: "≥10,000 at concurrency 8",
			Met: p.Concurrency >= 8 && p.PerSecond >= 10000 && p.Errors == 0, ServerlessOffline: 4900, GoHTTPServer: 42600})
	}
	for _, id := range []string{"open", "cognito", "lambda"} {
		if p50, _, ok := r.added(id); ok {
			g, _ := r.phase(id + "-1")
			d, _ := r.phase("invoke-1")
			out = append(out, target{What: "added p50 over the Invoke API, one at a time: " + strings.TrimPrefix(g.Label, "gateway, "),
				Measured: fmt.Sprintf("%.3f ms (%.3f − %.3f)", p50, g.P50ms, d.P50ms), Target: "≤0.3 ms", Met: p50 <= 0.3})
		}
	}
	var authCalls, lambdaReqs int
	var first, last result
	for _, p := range r.Phases {
		if strings.HasPrefix(p.ID, "lambda") {
			authCalls += p.AuthorizerInvocations
			lambdaReqs += p.Requests
			if first.ID == "" {
				first = p
			}
			last = p
		}
	}
	if first.ID != "" {
		// A result may expire once per TTL while the phases run.
		windows := 1 + int(last.end.Sub(first.start)/authTTL)
		out = append(out, target{What: "Lambda authorizer invocations while measuring (result cached 300 s)",
			Measured: fmt.Sprintf("%d for %d requests", authCalls, lambdaReqs), Target: fmt.Sprintf("≤%d (one per TTL)", windows),
			Met: authCalls <= windows})
	}
	if c := r.RSACheck; c.Requests > 0 {
		measured := fmt.Sprintf("none in a server CPU profile of %d requests", c.Requests)
		switch {
		case !c.Valid:
			measured = "no profile"
		case c.RSASamples:
			measured = fmt.Sprintf("in a server CPU profile of %d requests", c.Requests)
		}
		out = append(out, target{What: "Cognito, one ID token reused: RSA verifications", Measured: measured,
			Target: "none (the signature checked once)", Met: c.Valid && !c.RSASamples})
	}
	// Every answered request must have run the function once: neither
	// lost on the way nor served from anything but the function.
	cold, errs, missed := 0, 0, 0
	for _, p := range r.Phases {
		cold += p.ColdStarts
		errs += p.Errors
		missed += abs(p.FunctionInvocations - p.Requests - p.Errors)
	}
	out = append(out, target{What: "cold starts, errors, and requests that did not run the function exactly once, while measuring",
		Measured: fmt.Sprintf("%d, %d, %d", cold, errs, missed), Target: "0", Met: cold == 0 && errs == 0 && missed == 0})
	return out
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "# gatehouse API gateway benchmark (%s, %d CPUs, concurrency %d, %.0f s per phase, %.0f s one at a time, %d warm environments)\n\n",
		r.Date, r.CPUs, r.Concurrency, r.PhaseSeconds, r.LatencyPhaseSeconds, r.Environments)
	fmt.Fprintf(w, "| phase | client | in flight | req/s | p50 | p99 | errors | server CPU/req | function CPU/req | load generator CPU/req | CPU ceiling on %d cores | cold starts | authorizer invocations | interrupts | other processes |\n", r.CPUs)
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.3f ms | %.3f ms | %d | %.0f µs | %.0f µs | %.0f µs | %.0f/s | %d | %d | %.2f cores | %.2f cores |\n",
			p.Label, p.Transport, p.Concurrency, p.PerSecond, p.P50ms, p.P99ms, p.Errors, p.ServerCPUus, p.FunctionCPUus, p.ClientCPUus,
			p.CeilingPerSecond, p.ColdStarts, p.AuthorizerInvocations, p.IRQCores, p.OtherCores)
	}
	fmt.Fprintf(w, "\n| gateway added latency over the Invoke API | p50, one at a time | p99, one at a time | p50 at concurrency %d | p99 at concurrency %d |\n", r.Concurrency, r.Concurrency)
	fmt.Fprintln(w, "|---|---|---|---|---|")
	d, _ := r.phase("invoke")
	for _, id := range []string{"open", "cognito", "lambda"} {
		p50, p99, ok := r.added(id)
		g, ok2 := r.phase(id)
		if !ok || !ok2 {
			continue
		}
		fmt.Fprintf(w, "| %s | %+.3f ms | %+.3f ms | %+.3f ms | %+.3f ms |\n", strings.TrimPrefix(g.Label, "gateway, "), p50, p99, g.P50ms-d.P50ms, g.P99ms-d.P99ms)
	}
	fmt.Fprintf(w, "\nServer RSS after the runs: %.1f MiB; peak %.1f MiB, of which setup (function uploads) reached %.1f MiB; function environments excluded.\n",
		r.RSSMiB, r.PeakRSSMiB, r.SetupPeakRSSMiB)
	fmt.Fprintln(w, "\n| target | gatehouse | target | met | serverless-offline | trivial Go HTTP server |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, t := range r.Targets {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", t.What, t.Measured, t.Target, map[bool]string{true: "yes", false: "no"}[t.Met],
			orDash(t.ServerlessOffline), orDash(t.GoHTTPServer))
	}
}

func orDash(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

package main

import (
	"fmt"
	"io"
)

// report is a whole run, as printed and as --json emits it.
type report struct {
	Date           string   `json:"date"`
	CPUs           int      `json:"cpus"`
	Concurrency    int      `json:"concurrency"`
	PhaseSeconds   float64  `json:"phase_seconds"`
	LoginUsers     int      `json:"login_users"`
	ScaleUsers     int      `json:"scale_users,omitempty"`
	SRPClientABits int      `json:"srp_client_a_bits"`
	Phases         []phase  `json:"phases"`
	Imported       int      `json:"imported_users,omitempty"`
	ImportSeconds  float64  `json:"import_seconds,omitempty"`
	DatabaseMiB    float64  `json:"database_mib,omitempty"`
	RSSMiB         float64  `json:"server_rss_mib"`
	PeakRSSMiB     float64  `json:"server_peak_rss_mib"`
	Targets        []target `json:"targets"`
}

// phase is a measured phase with its label.
type phase struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	result
}

// target is one of the targets against what was measured, with
// the figures given for moto and cognito-local on the same kind of
// machine (0: none given).
type target struct {
	What         string  `json:"what"`
	Measured     string  `json:"measured"`
	Target       string  `json:"target"`
	Met          bool    `json:"met"`
	Moto         float64 `json:"moto,omitempty"`
	CognitoLocal float64 `json:"cognito_local,omitempty"`
}

func (r *report) add(id, label string, res result) {
	r.Phases = append(r.Phases, phase{id, label, res})
}

func (r *report) phase(id string) (phase, bool) {
	for _, p := range r.Phases {
		if p.ID == id {
			return p, true
		}
	}
	return phase{}, false
}

// targets compares the run with the targets.
func (r *report) targets() []target {
	var out []target
	rate := func(id, what string, min, moto, local float64) {
		p, ok := r.phase(id)
		switch {
		case !ok:
			return
		case p.Unavailable:
			out = append(out, target{What: what, Measured: "not available", Target: fmt.Sprintf("≥%.0f", min), Moto: moto, CognitoLocal: local})
		default:
			out = append(out, target{What: what, Measured: fmt.Sprintf("%.0f", p.PerSecond), Target: fmt.Sprintf("≥%.0f", min),
				Met: p.PerSecond >= min && p.Errors == 0, Moto: moto, CognitoLocal: local})
		}
	}
	rate("srp", "USER_SRP_AUTH full sign-ins/s", 250, 0, 0)
	rate("password", "USER_PASSWORD_AUTH sign-ins/s", 500, 430, 150)
	rate("refresh", "REFRESH_TOKEN_AUTH/s", 1000, 400, 360)
	rate("signup", "SignUp/s", 1000, 510, 96)
	small, ok1 := r.phase("scale-small")
	large, ok2 := r.phase("scale-large")
	if ok1 && ok2 && small.P99ms > 0 {
		out = append(out, target{
			What: fmt.Sprintf("InitiateAuth p99, %s vs %s users", count(r.ScaleUsers), count(r.LoginUsers)),
			// p50 and server CPU too: under load the p99 is mostly waiting
			// (for cores, for SQLite's write lock) and swings between runs.
			Measured: fmt.Sprintf("%.2f vs %.2f ms (%+.0f%%); p50 %.2f vs %.2f ms; server CPU/op %.2f vs %.2f ms",
				large.P99ms, small.P99ms, 100*(large.P99ms/small.P99ms-1), large.P50ms, small.P50ms, large.ServerCPUms, small.ServerCPUms),
			Target: "≤ +20%", Met: large.P99ms <= 1.2*small.P99ms,
		})
	}
	out = append(out, target{What: "server RSS after the runs, MiB", Measured: fmt.Sprintf("%.0f (peak %.0f)", r.RSSMiB, r.PeakRSSMiB),
		Target: "≤100", Met: r.RSSMiB <= 100, Moto: 139, CognitoLocal: 196})
	return out
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "# gatehouse user pool benchmark (%s, %d CPUs, concurrency %d, %.0f s per phase, SRP client a: %d bits)\n\n",
		r.Date, r.CPUs, r.Concurrency, r.PhaseSeconds, r.SRPClientABits)
	fmt.Fprintf(w, "| phase | ops/s | p50 | p99 | errors | server CPU/op | load generator CPU/op | CPU ceiling on %d cores | other processes |\n", r.CPUs)
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, p := range r.Phases {
		if p.Unavailable {
			fmt.Fprintf(w, "| %s | not available | | | | | | | |\n", p.Label)
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f ms | %.2f ms | %d | %.2f ms | %.2f ms | %.0f/s | %.2f cores |\n",
			p.Label, p.PerSecond, p.P50ms, p.P99ms, p.Errors, p.ServerCPUms, p.ClientCPUms, p.CeilingPerSecond, p.OtherCores)
	}
	if r.Imported > 0 {
		fmt.Fprintf(w, "\nImportUsers: %d users in %.0f s (%.0f users/s); database %.0f MiB.\n",
			r.Imported, r.ImportSeconds, float64(r.Imported)/r.ImportSeconds, r.DatabaseMiB)
	}
	if p, ok := r.phase("signup"); ok && p.Unavailable {
		fmt.Fprintln(w, "\nSignUp: not available")
	}
	fmt.Fprintln(w, "\n| target | gatehouse | target | met | moto | cognito-local |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, t := range r.Targets {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", t.What, t.Measured, t.Target, map[bool]string{true: "yes", false: "no"}[t.Met], orDash(t.Moto), orDash(t.CognitoLocal))
	}
}

func orDash(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}

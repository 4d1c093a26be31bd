package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/bench/internal/benchproc"
)

// functionCounters are a function's Prometheus counters.
type functionCounters struct{ invocations, coldStarts float64 }

// counters reads the functions' invocation and cold start counters from
// /_gatehouse/metrics: they show whether a phase reached the function on
// every request, started environments, or ran the authorizer.
func counters(s *benchproc.Server) (map[string]functionCounters, error) {
	resp, err := http.Get(s.URL + "/_gatehouse/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]functionCounters{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, `{function="`)
		if !ok {
			continue
		}
		fn, val, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(val, 64)
		c := out[fn]
		switch name {
		case "gatehouse_function_invocations_total":
			c.invocations = v
		case "gatehouse_function_cold_starts_total":
			c.coldStarts = v
		}
		out[fn] = c
	}
	return out, sc.Err()
}

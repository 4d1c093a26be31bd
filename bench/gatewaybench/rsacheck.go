package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"time"
)

// rsaCheck is what rsaInProfile found.
type rsaCheck struct {
	Requests   int  `json:"requests"`
	RSASamples bool `json:"rsa_in_profile"`
	// Valid is false when the profile could not be taken.
	Valid bool `json:"valid"`
}

// rsaInProfile drives t (the Cognito route, one ID token) for a few
// seconds while the server profiles its CPU, and looks for RSA code in
// the profile. Had the server verified the reused token's signature again
// on each request, crypto/rsa would be in a good share of the samples;
// the profile names only the functions its samples were in, so their
// absence is direct evidence, which CPU per request alone is not. It runs
// after the measured phases so that profiling disturbs none of them.
func (b *bench) rsaInProfile(t transport, conc int) (rsaCheck, error) {
	const seconds = 3
	got := make(chan []byte, 1)
	go func() {
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.srv.URL, seconds))
		if err != nil {
			got <- nil
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			data = nil
		}
		got <- data
	}()
	// The profile starts when its request arrives; load a little longer
	// than it lasts so that it covers nothing but this load.
	s := drive(t, conc, seconds*time.Second+300*time.Millisecond)
	if s.errs > 0 {
		return rsaCheck{}, fmt.Errorf("RSA check: %d errors, last: %s", s.errs, s.lastErr)
	}
	prof := <-got
	if prof == nil {
		return rsaCheck{Requests: len(s.lat)}, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(prof))
	if err != nil {
		return rsaCheck{Requests: len(s.lat)}, nil
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return rsaCheck{Requests: len(s.lat)}, nil
	}
	// Function names sit verbatim in the profile's string table: the
	// public crypto/rsa and the FIPS module's crypto/internal/fips140/rsa.
	found := bytes.Contains(raw, []byte("crypto/rsa.")) || bytes.Contains(raw, []byte("fips140/rsa."))
	return rsaCheck{Requests: len(s.lat), RSASamples: found, Valid: true}, nil
}

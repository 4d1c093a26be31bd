package sam

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	f := os.Getenv("SAMDEBUG")
	if f == "" {
		t.Skip()
	}
	r, err := Transform(loadTemplate(t, f), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(r, "", " ")
	fmt.Println(string(b))
}

package main

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/userpool"
)

// poolsCmd runs gatehouse's own user pool operations (the AWS ones are
// the aws CLI's `cognito-idp`).
func poolsCmd(args []string) error {
	if len(args) == 0 || args[0] != "rotate-keys" {
		return fmt.Errorf("usage: gatehouse pools rotate-keys POOL_ID")
	}
	pool, c, err := namedCommand("pools rotate-keys", "user pool id", args[1:], nil)
	if err != nil {
		return err
	}
	var out struct{ IdTokenKid, AccessTokenKid string }
	if err := c.jsonTarget(userpool.AdminTarget+"RotateSigningKeys", "gatehouse", map[string]string{"UserPoolId": pool}, &out); err != nil {
		return err
	}
	fmt.Printf("rotated the signing keys of %s\nID tokens now signed with kid %s\naccess tokens now signed with kid %s\n"+
		"tokens signed with the old keys stay valid until they expire\n", pool, out.IdTokenKid, out.AccessTokenKid)
	return nil
}

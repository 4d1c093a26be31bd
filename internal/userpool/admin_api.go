package userpool

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// AdminTarget is the X-Amz-Target prefix of gatehouse's own user pool
// operations, which AWS has no equivalent for (signed for the service
// name "gatehouse").
const AdminTarget = "GatehouseUserPools."

// AdminAPI serves gatehouse's own user pool operations.
type AdminAPI struct {
	Service *Service
	// Authorize decides whether a verified caller may use the API; the
	// server lets only the root key in.
	Authorize func(ctx context.Context, accessKeyID string) error
}

// Serve dispatches on X-Amz-Target.
func (a *AdminAPI) Serve(w http.ResponseWriter, r *awsproto.Request) error {
	if a.Authorize != nil {
		if err := a.Authorize(r.Context(), r.Credential.AccessKeyID); err != nil {
			return err
		}
	}
	switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), AdminTarget); op {
	case "RotateSigningKeys":
		in, err := decode[struct{ UserPoolId string }](r)
		if err != nil {
			return err
		}
		kids, err := a.Service.RotateSigningKeys(r.Context(), in.UserPoolId)
		if err != nil {
			return err
		}
		return reply(w, map[string]string{"IdTokenKid": kids["id"], "AccessTokenKid": kids["access"]})
	default:
		return awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Operation %s is not supported.", op)
	}
}

package functions

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// PermissionInput is AddPermission's request. Permissions are recorded and
// reported as Lambda reports them; gatehouse has one account, so they do
// not yet restrict who may invoke.
type PermissionInput struct {
	StatementID      string  `json:"StatementId"`
	Action           string  `json:"Action"`
	Principal        string  `json:"Principal"`
	SourceArn        *string `json:"SourceArn"`
	SourceAccount    *string `json:"SourceAccount"`
	EventSourceToken *string `json:"EventSourceToken"`
	PrincipalOrgID   *string `json:"PrincipalOrgID"`
	RevisionID       *string `json:"RevisionId"`
}

func (s *Service) statement(arn string, in *PermissionInput) policyStatement {
	st := policyStatement{Sid: in.StatementID, Effect: "Allow", Action: in.Action, Resource: arn}
	if len(in.Principal) == 12 || in.Principal == "*" {
		if in.Principal == "*" {
			st.Principal = "*"
		} else {
			st.Principal = map[string]string{"AWS": "arn:aws:iam::" + in.Principal + ":root"}
		}
	} else {
		st.Principal = map[string]string{"Service": in.Principal}
	}
	cond := map[string]any{}
	if in.SourceArn != nil {
		cond["ArnLike"] = map[string]string{"AWS:SourceArn": *in.SourceArn}
	}
	if in.SourceAccount != nil {
		cond["StringEquals"] = map[string]string{"AWS:SourceAccount": *in.SourceAccount}
	}
	if in.PrincipalOrgID != nil {
		cond["StringEquals"] = map[string]string{"aws:PrincipalOrgID": *in.PrincipalOrgID}
	}
	if len(cond) > 0 {
		st.Condition = cond
	}
	return st
}

// AddPermission implements AddPermission; it returns the statement JSON.
func (s *Service) AddPermission(ctx context.Context, name string, in *PermissionInput) (string, error) {
	r, err := s.ref(name)
	if err != nil {
		return "", err
	}
	if in.StatementID == "" || len(in.StatementID) > 100 || !statementIDRe.MatchString(in.StatementID) {
		return "", validationError("Value '%s' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)", in.StatementID)
	}
	if in.Action == "" {
		return "", validationError("Value null at 'action' failed to satisfy constraint: Member must not be null")
	}
	if in.Principal == "" {
		return "", validationError("Value null at 'principal' failed to satisfy constraint: Member must not be null")
	}
	var out policyStatement
	_, err = s.update(ctx, r.Name, func(rec *record) error {
		if in.RevisionID != nil && *in.RevisionID != "" && *in.RevisionID != rec.PolicyRev {
			return awsproto.Errorf(http.StatusPreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		for _, st := range rec.Policy {
			if st.Sid == in.StatementID {
				return conflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementID)
			}
		}
		out = s.statement(rec.Config.FunctionArn, in)
		rec.Policy = append(rec.Policy, out)
		rec.PolicyRev = newRevision()
		return nil
	})
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// Policy implements GetPolicy: the policy document and its revision.
func (s *Service) Policy(ctx context.Context, name string) (string, string, error) {
	r, err := s.ref(name)
	if err != nil {
		return "", "", err
	}
	rec, _, err := s.load(ctx, r.Name)
	if err != nil {
		return "", "", err
	}
	if len(rec.Policy) == 0 {
		return "", "", awsproto.Errorf(http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist.")
	}
	doc := struct {
		Version   string            `json:"Version"`
		ID        string            `json:"Id"`
		Statement []policyStatement `json:"Statement"`
	}{"2012-10-17", "default", rec.Policy}
	b, err := json.Marshal(doc)
	return string(b), rec.PolicyRev, err
}

// RemovePermission implements RemovePermission.
func (s *Service) RemovePermission(ctx context.Context, name, sid, revision string) error {
	r, err := s.ref(name)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, r.Name, func(rec *record) error {
		if revision != "" && revision != rec.PolicyRev {
			return awsproto.Errorf(http.StatusPreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		for i, st := range rec.Policy {
			if st.Sid == sid {
				rec.Policy = append(rec.Policy[:i], rec.Policy[i+1:]...)
				rec.PolicyRev = newRevision()
				return nil
			}
		}
		return awsproto.Errorf(http.StatusNotFound, "ResourceNotFoundException", "Statement %s is not found in resource policy.", sid)
	})
	return err
}

// unreservedMinimum is what Lambda keeps free for functions without a
// reservation.
const unreservedMinimum = 100

// PutConcurrency implements PutFunctionConcurrency.
func (s *Service) PutConcurrency(ctx context.Context, name string, n *int) (int, error) {
	r, err := s.ref(name)
	if err != nil {
		return 0, err
	}
	if n == nil {
		return 0, validationError("Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
	}
	if *n < 0 {
		return 0, validationError("Value '%d' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0", *n)
	}
	if _, _, err := s.load(ctx, r.Name); err != nil {
		return 0, err
	}
	// The sum of reservations must leave the unreserved minimum.
	reserved := 0
	marker := ""
	for {
		recs, next, err := s.list(ctx, marker, 500)
		if err != nil {
			return 0, err
		}
		for _, rec := range recs {
			if rec.Concurrency != nil && rec.Config.FunctionName != r.Name {
				reserved += *rec.Concurrency
			}
		}
		if next == "" {
			break
		}
		marker = next
	}
	if reserved+*n > s.opts.AccountConcurrency-unreservedMinimum {
		return 0, invalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", unreservedMinimum)
	}
	_, err = s.update(ctx, r.Name, func(rec *record) error {
		v := *n
		rec.Concurrency = &v
		return nil
	})
	return *n, err
}

// DeleteConcurrency implements DeleteFunctionConcurrency.
func (s *Service) DeleteConcurrency(ctx context.Context, name string) error {
	r, err := s.ref(name)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, r.Name, func(rec *record) error {
		rec.Concurrency = nil
		return nil
	})
	return err
}

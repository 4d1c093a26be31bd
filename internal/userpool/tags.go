package userpool

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
)

// poolFromARN reads the pool id from arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID.
func (s *Service) poolFromARN(arn string) (string, error) {
	prefix := "arn:aws:cognito-idp:" + s.opts.Region + ":" + s.opts.Account + ":userpool/"
	id, ok := strings.CutPrefix(arn, prefix)
	if !ok || checkPoolID(id) != nil {
		return "", invalidParameter("Invalid ARN: %s", arn)
	}
	return id, nil
}

// TagResource adds or replaces tags on a pool (at most 50).
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	id, err := s.poolFromARN(arn)
	if err != nil {
		return err
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(k, "aws:") {
			return invalidParameter("1 validation error detected: Value at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128, values at most 256, and keys may not start with aws:")
		}
	}
	_, err = updateJSON(ctx, s, kindPool, id, poolNotFound(id), func(rec *poolRecord) error {
		if rec.Pool.UserPoolTags == nil {
			rec.Pool.UserPoolTags = map[string]string{}
		}
		for k, v := range tags {
			rec.Pool.UserPoolTags[k] = v
		}
		if len(rec.Pool.UserPoolTags) > 50 {
			return awsproto.Errorf(http.StatusBadRequest, "InvalidParameterException", "A user pool can have at most 50 tags.")
		}
		return nil
	})
	return err
}

// UntagResource removes tags from a pool.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	id, err := s.poolFromARN(arn)
	if err != nil {
		return err
	}
	_, err = updateJSON(ctx, s, kindPool, id, poolNotFound(id), func(rec *poolRecord) error {
		for _, k := range keys {
			delete(rec.Pool.UserPoolTags, k)
		}
		return nil
	})
	return err
}

// ListTagsForResource lists a pool's tags.
func (s *Service) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	id, err := s.poolFromARN(arn)
	if err != nil {
		return nil, err
	}
	rec, err := s.pool(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.Pool.UserPoolTags == nil {
		return map[string]string{}, nil
	}
	return rec.Pool.UserPoolTags, nil
}

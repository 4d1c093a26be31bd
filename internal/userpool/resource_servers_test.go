package userpool

import (
	"context"
	"fmt"
	"testing"
)

func TestResourceServersAndScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	rs := &ResourceServer{UserPoolID: e.pool.ID, Identifier: "https://api.example.com", Name: "api",
		Scopes: []Scope{{"read", "Read things"}, {"write", "Write things"}}}
	if _, err := e.s.CreateResourceServer(ctx, rs); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.CreateResourceServer(ctx, rs)
	wantErr(t, err, "InvalidParameterException", "")
	_, err = e.s.CreateResourceServer(ctx, &ResourceServer{UserPoolID: e.pool.ID, Identifier: "x", Name: "x", Scopes: []Scope{{"a b", "bad"}}})
	wantErr(t, err, "InvalidParameterException", "")
	got, err := e.s.DescribeResourceServer(ctx, e.pool.ID, "https://api.example.com")
	if err != nil || len(got.Scopes) != 2 {
		t.Fatalf("%+v %v", got, err)
	}
	// Clients may name the server's scopes, and no others.
	if _, err := e.s.CreateClient(ctx, &ClientInput{UserPoolID: e.pool.ID, ClientName: ptr("m2m"),
		AllowedOAuthScopes: []string{"openid", "https://api.example.com/read"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.CreateClient(ctx, &ClientInput{UserPoolID: e.pool.ID, ClientName: ptr("bad"), AllowedOAuthScopes: []string{"https://api.example.com/admin"}})
	wantErr(t, err, "ScopeDoesNotExistException", "Invalid scope requested: https://api.example.com/admin")

	for i := 0; i < 4; i++ {
		if _, err := e.s.CreateResourceServer(ctx, &ResourceServer{UserPoolID: e.pool.ID, Identifier: fmt.Sprintf("svc%d", i), Name: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	var all []ResourceServer
	next := ""
	for {
		page, tok, err := e.s.ListResourceServers(ctx, e.pool.ID, 2, next)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next = tok; next == "" {
			break
		}
	}
	if len(all) != 5 {
		t.Fatalf("listed %d", len(all))
	}
	if _, err := e.s.UpdateResourceServer(ctx, &ResourceServer{UserPoolID: e.pool.ID, Identifier: "svc0", Name: "renamed"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteResourceServer(ctx, e.pool.ID, "svc0"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.s.DeleteResourceServer(ctx, e.pool.ID, "svc0"), "ResourceNotFoundException", "")
}

func TestPoolTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newAccounts(t, &PoolInput{})
	if err := e.s.TagResource(ctx, e.pool.Arn, map[string]string{"team": "blue", "env": "dev"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.UntagResource(ctx, e.pool.Arn, []string{"env"}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.s.ListTagsForResource(ctx, e.pool.Arn)
	if err != nil || len(tags) != 1 || tags["team"] != "blue" {
		t.Fatalf("%v %v", tags, err)
	}
	wantErr(t, e.s.TagResource(ctx, "arn:aws:s3:::bucket", map[string]string{"a": "b"}), "InvalidParameterException", "")
	wantErr(t, e.s.TagResource(ctx, e.pool.Arn[:len(e.pool.Arn)-1]+"Z", map[string]string{"a": "b"}), "ResourceNotFoundException", "")
}

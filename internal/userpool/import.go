package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsproto"
	"github.com/gatehouse/gatehouse/internal/store"
)

// importBatch is how many users one transaction of ImportUsers writes:
// large enough that the commit's fsync is amortised, small enough that
// the write lock is never held long enough to stall sign-ins.
const importBatch = 1000

// ImportedUser is one row of a user import: a username and its
// attributes, without a password, as in a Cognito user import job's CSV.
type ImportedUser struct {
	Username   string
	Attributes map[string]string
}

// importRow is a validated ImportedUser, ready to write.
type importRow struct {
	key  string
	data []byte
	rec  *userRecord
	// unique is the username attribute (email or phone) whose value must
	// not belong to anyone else yet, in email- or phone-as-username pools.
	unique string
}

// ImportUsers adds users the way a Cognito user import job does: without
// passwords, in RESET_REQUIRED, so each must set a password through the
// forgot-password flow before signing in. Every user is validated as
// AdminCreateUser validates it before anything is written; the users are
// then written in transactions of importBatch. A user that already exists
// (UsernameExistsException) fails its transaction: the batches before it
// stay imported, and the error says how many users that is.
func (s *Service) ImportUsers(ctx context.Context, poolID string, users []ImportedUser) error {
	rec, err := s.pool(ctx, poolID)
	if err != nil {
		return err
	}
	p := &rec.Pool
	rows := make([]importRow, 0, len(users))
	seen := make(map[string]bool, len(users))
	for i := range users {
		row, err := s.importRow(ctx, p, &users[i])
		if err != nil {
			return err
		}
		// Within one call the store cannot catch a duplicate until its
		// batch is written; catching it here keeps the call all-or-nothing
		// for that case.
		dup := row.key
		if row.unique != "" {
			dup = row.unique + "=" + row.rec.Attributes[row.unique]
		}
		if seen[dup] {
			return usernameExists(p, users[i].Username, 0)
		}
		seen[dup] = true
		rows = append(rows, row)
	}
	for start := 0; start < len(rows); start += importBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := rows[start:min(start+importBatch, len(rows))]
		if err := s.st.Tx(ctx, func(tx store.Tx) error { return writeImported(tx, p, batch, start) }); err != nil {
			return err
		}
	}
	return nil
}

// importRow validates one user as AdminCreateUser does and builds its
// record.
func (s *Service) importRow(ctx context.Context, p *Pool, in *ImportedUser) (importRow, error) {
	given := make([]Attribute, 0, len(in.Attributes))
	for k, v := range in.Attributes {
		given = append(given, Attribute{k, v})
	}
	// Sorted, so that of several bad attributes the same one is reported
	// every time.
	sort.Slice(given, func(i, j int) bool { return given[i].Name < given[j].Name })
	u, err := s.newUser(ctx, p, in.Username, given)
	if err != nil {
		return importRow{}, err
	}
	u.Status = "RESET_REQUIRED"
	unique := ""
	if len(p.UsernameAttributes) > 0 {
		unique = "email"
		if !strings.Contains(in.Username, "@") {
			unique = "phone_number"
		}
	}
	data, err := json.Marshal(u)
	if err != nil {
		return importRow{}, err
	}
	return importRow{key: userKey(p, u.Username), data: data, rec: u, unique: unique}, nil
}

// writeImported writes one batch of new users and their index entries;
// done is how many users earlier batches imported.
func writeImported(tx store.Tx, p *Pool, batch []importRow, done int) error {
	for _, row := range batch {
		if row.unique != "" {
			taken, err := tx.List(kindIndex, p.ID+"/"+row.unique+"/"+row.rec.Attributes[row.unique]+"/", "", 1)
			if err != nil {
				return err
			}
			if len(taken) > 0 {
				return usernameExists(p, row.rec.Attributes[row.unique], done)
			}
		}
		if _, err := tx.Put(kindUser, p.ID+"/"+row.key, row.data, 0); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return usernameExists(p, row.rec.Username, done)
			}
			return err
		}
		for _, id := range indexEntries(p.ID, row.rec, row.key) {
			if _, err := tx.Create(kindIndex, id, nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
				return err
			}
		}
	}
	return nil
}

// usernameExists is the duplicate error, worded as AdminCreateUser words
// it, plus which user and how many were imported before the failure.
func usernameExists(p *Pool, name string, imported int) *awsproto.Error {
	what := "User account already exists"
	if len(p.UsernameAttributes) > 0 {
		what = "An account with the given email already exists."
		if !strings.Contains(name, "@") {
			what = "An account with the given phone_number already exists."
		}
	}
	return awsproto.Errorf(http.StatusBadRequest, "UsernameExistsException", "%s (%s; %d users imported before it)", what, name, imported)
}

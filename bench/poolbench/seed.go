package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse/internal/secrets"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/userpool"
)

// seedChunk is how many users one ImportUsers call gets: the import
// itself batches its transactions; this only bounds our memory.
const seedChunk = 20000

// seed imports n users into the pool from this process, into the data
// directory the running server uses: SQLite in WAL mode lets a second
// process write, each side waiting out the other's write lock under its
// busy_timeout. The server is idle meanwhile. It returns the seconds the
// import took.
func (b *bench) seed(ctx context.Context, n int) (float64, error) {
	key, err := secrets.LoadOrCreateKey(filepath.Join(b.srv.Data, "master.key"), os.Getenv("GATEHOUSE_MASTER_KEY"))
	if err != nil {
		return 0, err
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		return 0, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(b.srv.Data, "gatehouse.db"), nil)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	svc := userpool.New(userpool.Options{Store: st, Box: box, Region: "us-east-1", Account: "000000000000", Endpoint: b.srv.URL})
	start := time.Now()
	users := make([]userpool.ImportedUser, 0, seedChunk)
	for i := 0; i < n; i += seedChunk {
		users = users[:0]
		for j := i; j < min(i+seedChunk, n); j++ {
			name := fmt.Sprintf("imported-%07d", j)
			// Shaped like the login users: a verified email.
			users = append(users, userpool.ImportedUser{Username: name, Attributes: map[string]string{
				"email": name + "@example.com", "email_verified": "true",
			}})
		}
		if err := svc.ImportUsers(ctx, b.poolID, users); err != nil {
			return 0, fmt.Errorf("import at user %d: %w", i, err)
		}
		if !b.json && (i/seedChunk)%10 == 9 {
			fmt.Fprintf(os.Stderr, "  imported %d users (%.0f/s)\n", i+len(users), float64(i+len(users))/time.Since(start).Seconds())
		}
	}
	return time.Since(start).Seconds(), nil
}

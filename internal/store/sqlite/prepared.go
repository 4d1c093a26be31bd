package sqlite

import (
	"context"
	"database/sql"
)

// cachedQuerier runs queries through statements prepared once per
// query text (per connection, by database/sql), inside tx when it is
// set. Parsing SQL on every call was a visible share of a sign-in's CPU.
type cachedQuerier struct {
	s  *Store
	tx *sql.Tx
}

func (s *Store) q(tx *sql.Tx) querier { return cachedQuerier{s: s, tx: tx} }

// stmt returns the statement for query, or nil when it cannot be
// prepared (the caller then runs the query unprepared, which reports
// the error).
func (c cachedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	v, ok := c.s.stmts.Load(query)
	if !ok {
		st, err := c.s.db.PrepareContext(context.Background(), query)
		if err != nil {
			return nil
		}
		if v, ok = c.s.stmts.LoadOrStore(query, st); ok {
			st.Close()
		}
	}
	st := v.(*sql.Stmt)
	if c.tx != nil {
		return c.tx.StmtContext(ctx, st)
	}
	return st
}

func (c cachedQuerier) raw() querier {
	if c.tx != nil {
		return c.tx
	}
	return c.s.db
}

func (c cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.raw().QueryRowContext(ctx, query, args...)
}

func (c cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.raw().QueryContext(ctx, query, args...)
}

func (c cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.raw().ExecContext(ctx, query, args...)
}

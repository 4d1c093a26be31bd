// Package userpool is gatehouse's Cognito user pools: pools, app clients,
// users and groups, the sign-in flows and their challenges, tokens, and
// triggers. Subpackages hold the parts that stand alone: srp (Cognito's
// SRP-6a variant) and tokens (signing keys, JWTs and the token verifier).
package userpool

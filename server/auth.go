package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"strings"
)

// A token is ACTOR "." SECRET, where SECRET is 32 random bytes in base64url.
// The store keeps only SHA-256 of the whole token; a presented token is
// hashed and compared in constant time with the stored hash of its actor.

func (s *Server) newToken(actor string) (token string, hash []byte) {
	token = actor + "." + base64.RawURLEncoding.EncodeToString(s.random(32))
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// tokenActor returns the actor a token claims to be (unverified).
func tokenActor(token string) (string, bool) {
	actor, secret, ok := strings.Cut(token, ".")
	if !ok || actor == "" || len(secret) != 43 || len(actor) > 24 {
		return "", false
	}
	return actor, true
}

// tokenMatches compares a presented token with a stored hash in constant
// time.
func tokenMatches(token string, stored []byte) bool {
	if len(stored) != sha256.Size {
		return false
	}
	return subtle.ConstantTimeCompare(hashToken(token), stored) == 1
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a workshop id: 10 random bytes in lowercase base32.
func (s *Server) newID() string { return strings.ToLower(idEncoding.EncodeToString(s.random(10))) }

// codeAlphabet has no 0/O, 1/I/L: easy to read out and type.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newCode returns a join code of 6 characters.
func (s *Server) newCode() string {
	b := s.random(6)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

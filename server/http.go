package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/barri-city/barri/scenarios"
	"github.com/barri-city/barri/server/store"
	"github.com/barri-city/barri/sim"
	"github.com/barri-city/barri/web"
	"github.com/barri-city/barri/workshop"
)

// Body limits of the HTTP API.
const (
	maxCreateBody = 512 << 10
	maxJoinBody   = 4 << 10
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /api/workshops", s.serveCreate)
	m.HandleFunc("POST /api/join", s.serveJoin)
	m.HandleFunc("GET /api/workshops/{id}", s.serveState)
	m.HandleFunc("GET /api/workshops/{id}/export/{file}", s.serveExport)
	m.HandleFunc("POST /api/workshops/{id}/erase_name", s.serveEraseName)
	m.HandleFunc("GET /api/workshops/{id}/join", s.serveJoinInfo)
	m.HandleFunc("GET /ws/{id}", s.serveWS)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	m.Handle("GET /metrics", s.metrics.handler())
	m.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, workshop.CodeNotFound, "server: no such API endpoint: see DESIGN.md §6")
	}))
	m.Handle("/", staticHandler(web.Dist()))
	s.mux = m
}

// apiError is an error with its HTTP status and code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func bad(code, format string, a ...any) error {
	return &apiError{status: http.StatusBadRequest, code: code, msg: "server: " + fmt.Sprintf(format, a...)}
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, code: workshop.CodeUnauthorized,
		msg: "server: a valid token of this workshop is needed (Authorization: Bearer TOKEN)"}
	errForbidden = &apiError{status: http.StatusForbidden, code: workshop.CodeForbidden,
		msg: "server: only the facilitator may do this"}
	errTooMany = &apiError{status: http.StatusTooManyRequests, code: workshop.CodeRateLimited,
		msg: "server: too many requests: retry in a moment"}
)

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(encode(v))
	w.Write([]byte{'\n'})
}

// httpError writes an error: an apiError with its status, a rule refusal
// as 400/403/409, a missing workshop as 404, anything else 500.
func (s *Server) httpError(w http.ResponseWriter, err error) {
	var ae *apiError
	var re *workshop.RuleError
	switch {
	case errors.As(err, &ae):
		writeJSONError(w, ae.status, ae.code, ae.msg)
	case errors.As(err, &re):
		status := http.StatusBadRequest
		switch re.Code {
		case workshop.CodeForbidden:
			status = http.StatusForbidden
		case workshop.CodeLocked, workshop.CodePhase, workshop.CodeDuplicate, workshop.CodeLimit:
			status = http.StatusConflict
		}
		e := map[string]any{"code": re.Code, "message": re.Message}
		if re.Field != "" {
			e["field"] = re.Field // a refused text: which (a join's name, a workshop's title)
		}
		if re.Rule != nil {
			e["rule"] = re.Rule // the reason, to say in the reader's language (as on the WebSocket)
		}
		writeJSON(w, status, map[string]any{"error": e})
	case errors.Is(err, store.ErrNotFound):
		writeJSONError(w, http.StatusNotFound, workshop.CodeNotFound, "server: no such workshop")
	case errors.Is(err, errStale):
		writeJSONError(w, http.StatusUnauthorized, workshop.CodeUnauthorized, err.Error())
	case errors.Is(err, errClosing):
		writeJSONError(w, http.StatusServiceUnavailable, workshop.CodeUnavailable, err.Error())
	default:
		s.log.Error("request failed", "err", err)
		writeJSONError(w, http.StatusInternalServerError, workshop.CodeInternal, "server: internal error: retry, and tell the operator if it persists")
	}
}

// decodeBody reads a JSON request body strictly, at most limit bytes.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, code: workshop.CodeInvalid, msg: "server: send the body as Content-Type: application/json"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return &apiError{status: http.StatusRequestEntityTooLarge, code: workshop.CodeTooLarge, msg: fmt.Sprintf("server: the body is larger than %d bytes", limit)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bad(workshop.CodeInvalid, "malformed JSON body: %v", err)
	}
	if dec.More() {
		return bad(workshop.CodeInvalid, "data after the JSON body")
	}
	return nil
}

// sameOrigin refuses a browser request from another site (an Origin header
// naming another host than the request's, unless allowed).
func (s *Server) sameOrigin(r *http.Request) error {
	o := r.Header.Get("Origin")
	if o == "" {
		return nil
	}
	host := strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
	if strings.EqualFold(host, r.Host) {
		return nil
	}
	for _, p := range s.cfg.Origins {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(host)); ok {
			return nil
		}
	}
	return &apiError{status: http.StatusForbidden, code: workshop.CodeForbidden, msg: "server: requests from another site's page are refused"}
}

// CreateRequest is the body of POST /api/workshops.
type CreateRequest struct {
	Title    string          `json:"title"`
	City     string          `json:"city"`
	Scenario json.RawMessage `json:"scenario,omitempty"`
	Voting   workshop.Voting `json:"voting"`
}

// Created answers POST /api/workshops: the workshop and its secrets.
type Created struct {
	ID               string `json:"id"`
	Code             string `json:"code"`
	FacilitatorToken string `json:"facilitator_token"`
	FacilitatorURL   string `json:"facilitator_url"`
	JoinURL          string `json:"join_url"`
	ProjectorToken   string `json:"projector_token"`
	ProjectorURL     string `json:"projector_url"`
}

// serveCreate is POST /api/workshops.
func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request) {
	if err := s.sameOrigin(r); err != nil {
		s.httpError(w, err)
		return
	}
	if !s.createLim.Allow() {
		s.httpError(w, errTooMany)
		return
	}
	var req CreateRequest
	if err := decodeBody(w, r, maxCreateBody, &req); err != nil {
		s.httpError(w, err)
		return
	}
	resp, err := s.Create(r.Context(), req)
	if err != nil {
		s.httpError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

// Create makes a workshop (as POST /api/workshops does).
func (s *Server) Create(ctx context.Context, req CreateRequest) (*Created, error) {
	req.Title = strings.TrimSpace(req.Title)
	if !s.eval.allowed(req.City) {
		return nil, bad(workshop.CodeInvalid, "city %q is not served here: use one of %v", req.City, s.cfg.Cities)
	}
	if err := req.Voting.Check(); err != nil {
		return nil, bad(workshop.CodeInvalid, "%v", err)
	}
	scenario, err := s.baseScenario(req.City, req.Scenario)
	if err != nil {
		return nil, err
	}
	ev := &workshop.Event{Seq: 1, Type: workshop.EvCreated, At: s.cfg.Now().UnixMilli(), Title: req.Title, City: req.City,
		Scenario: scenario, Voting: &req.Voting}
	if err := (&workshop.State{}).Apply(ev); err != nil {
		return nil, err
	}
	body, err := ev.Record()
	if err != nil {
		return nil, err
	}
	rec := store.Record{Seq: 1, Body: body, Hash: workshop.ChainHash(workshop.GenesisHash, body)}
	for attempt := 0; ; attempt++ {
		ws := store.Workshop{ID: s.newID(), Code: s.newCode(), Created: ev.At}
		ftok, fhash := s.newToken(workshop.FacilitatorID)
		ptok, phash := s.newToken(workshop.ProjectorID)
		ws.FacilitatorHash, ws.ProjectorHash = fhash, phash
		err := s.store.Create(ctx, ws, rec)
		if errors.Is(err, store.ErrExists) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.log.Info("workshop created", "workshop", ws.ID, "city", req.City, "rule", req.Voting.Rule)
		b := s.cfg.BaseURL
		return &Created{ID: ws.ID, Code: ws.Code, FacilitatorToken: ftok, ProjectorToken: ptok,
			FacilitatorURL: b + "/?workshop=" + ws.ID + "#token=" + ftok,
			ProjectorURL:   b + "/?workshop=" + ws.ID + "&view=projector#token=" + ptok,
			JoinURL:        b + "/?join=" + ws.Code}, nil
	}
}

// baseScenario reads the optional base scenario of a new workshop: a
// built-in example's name or a scenario object. It must be valid on the
// workshop's city (it is evaluated once); it comes back compact.
func (s *Server) baseScenario(city string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		data, ok := scenarios.Read(name)
		if !ok {
			return nil, bad(workshop.CodeInvalid, "scenario %q: no built-in example of that name (barri cities lists them)", name)
		}
		raw = data
	}
	sc, err := sim.ParseScenario(raw)
	if err != nil {
		return nil, bad(workshop.CodeInvalid, "scenario: %v", err)
	}
	if sc.City != city {
		return nil, bad(workshop.CodeInvalid, "the scenario is for city %q, the workshop for %q", sc.City, city)
	}
	if _, _, err := s.eval.evaluate(city, sc, nil); err != nil {
		return nil, bad(workshop.CodeInvalid, "scenario: %v", err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, bad(workshop.CodeInvalid, "scenario: %v", err)
	}
	return buf.Bytes(), nil
}

type joinRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// serveJoin is POST /api/join.
func (s *Server) serveJoin(w http.ResponseWriter, r *http.Request) {
	if err := s.sameOrigin(r); err != nil {
		s.httpError(w, err)
		return
	}
	if !s.joinLim.Allow() {
		s.httpError(w, errTooMany)
		return
	}
	var req joinRequest
	if err := decodeBody(w, r, maxJoinBody, &req); err != nil {
		s.httpError(w, err)
		return
	}
	ws, err := s.store.ByCode(r.Context(), strings.ToUpper(strings.TrimSpace(req.Code)))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = &apiError{status: http.StatusNotFound, code: workshop.CodeNotFound, msg: "server: no workshop has this code: check it with the facilitator"}
		}
		s.httpError(w, err)
		return
	}
	reply := make(chan joinReply, 1)
	h, err := s.deliver(r.Context(), ws.ID, &msgJoin{name: req.Name, reply: reply})
	if err != nil {
		s.httpError(w, err)
		return
	}
	jr, err := await(r.Context(), h, reply)
	if err != nil {
		jr.err = err
	}
	if jr.err != nil {
		s.httpError(w, jr.err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"workshop": ws.ID, "participant": jr.participant, "token": jr.token})
}

// authenticate checks a token against the workshop's stored hashes and
// returns its actor.
func (s *Server) authenticate(ctx context.Context, w store.Workshop, token string) (string, error) {
	actor, ok := tokenActor(token)
	if !ok {
		return "", errUnauthorized
	}
	var stored []byte
	switch actor {
	case workshop.FacilitatorID:
		stored = w.FacilitatorHash
	case workshop.ProjectorID:
		stored = w.ProjectorHash
	default:
		var err error
		if stored, err = s.store.Token(ctx, w.ID, actor); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	if !tokenMatches(token, stored) {
		return "", errUnauthorized
	}
	return actor, nil
}

// view returns a workshop's derived state for the bearer of a token.
func (s *Server) view(r *http.Request) (*hub, string, *workshop.View, error) {
	ws, err := s.workshop(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, "", nil, err
	}
	actor, err := s.authenticate(r.Context(), ws, bearer(r))
	if err != nil {
		return nil, "", nil, err
	}
	reply := make(chan viewReply, 1)
	h, err := s.deliver(r.Context(), ws.ID, &msgView{actor: actor, reply: reply})
	if err != nil {
		return nil, "", nil, err
	}
	vr, err := await(r.Context(), h, reply)
	if err != nil {
		return nil, "", nil, err
	}
	return h, actor, vr.view, vr.err
}

// serveEraseName is POST /api/workshops/{id}/erase_name: the bearer
// participant's display name is erased, as by the erase_name command, also
// after they have left (their token opens no connection any more).
func (s *Server) serveEraseName(w http.ResponseWriter, r *http.Request) {
	if err := s.sameOrigin(r); err != nil {
		s.httpError(w, err)
		return
	}
	ws, err := s.workshop(r.Context(), r.PathValue("id"))
	if err != nil {
		s.httpError(w, err)
		return
	}
	actor, err := s.authenticate(r.Context(), ws, bearer(r))
	if err != nil {
		s.httpError(w, err)
		return
	}
	reply := make(chan eraseReply, 1)
	h, err := s.deliver(r.Context(), ws.ID, &msgErase{actor: actor, reply: reply})
	if err != nil {
		s.httpError(w, err)
		return
	}
	er, err := await(r.Context(), h, reply)
	if err != nil {
		er.err = err
	}
	if er.err != nil {
		s.httpError(w, er.err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"seq": er.seq})
}

// serveState is GET /api/workshops/{id}.
func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	_, _, v, err := s.view(r)
	if err != nil {
		s.httpError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// staticHandler serves the web app. A .wasm file has its own Content-Type,
// and a precompressed sibling (.br, .gz) is served when the client accepts
// it.
func staticHandler(root fs.FS) http.Handler {
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasSuffix(name, ".wasm") {
			h.Set("Content-Type", "application/wasm")
			h.Add("Vary", "Accept-Encoding")
			accept := r.Header.Get("Accept-Encoding")
			for _, enc := range []struct{ ext, name string }{{".br", "br"}, {".gz", "gzip"}} {
				if !acceptsEncoding(accept, enc.name) {
					continue
				}
				if data, err := fs.ReadFile(root, name+enc.ext); err == nil {
					h.Set("Content-Encoding", enc.name)
					http.ServeContent(w, r, name, zeroTime, bytes.NewReader(data))
					return
				}
			}
		}
		files.ServeHTTP(w, r)
	})
}

func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

var zeroTime time.Time

// Package waf is the gateway's web application firewall middleware: Coraza
// v3 running the OWASP Core Rule Set that the coraza-coreruleset module
// embeds, so the rules and their regression tests are the same version.
//
// It drives Coraza's transaction API itself instead of using
// coraza/http.WrapHandler, for three reasons: a blocked request must get the
// gateway's one error shape (reqctx.Reject) rather than an empty body; the
// body is buffered once, bounded, before Coraza sees it, so Coraza never
// spills to temporary files or inspects only a prefix; and arguments are
// counted first so that padding cannot push a payload past Coraza's
// argument limit.
package waf

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/types"

	"github.com/wardensec/warden/internal/gateway/reqctx"
)

// Options are the non-config dependencies.
type Options struct {
	Logger *slog.Logger

	// Test hooks (unexported so only this package's tests can set them):
	// extra SecLang placed before crs-setup, the way Coraza's own CRS
	// regression run configures the engine, and a sink for every logged
	// rule match.
	extraDirectives string
	errorLog        func(types.MatchedRule)
}

// Middleware holds the compiled WAFs of one config generation.
type Middleware struct {
	cfg    Config
	logger *slog.Logger
	opts   Options

	mu       sync.Mutex
	variants map[string]coraza.WAF
}

// New validates cfg and, when the WAF is enabled, compiles the base rule
// set now, so that a broken configuration fails the reload instead of the
// first request, and the ~0.5 s compile happens once per generation.
func New(cfg Config, opts Options) (*Middleware, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("waf config: %w", err)
	}
	m := &Middleware{cfg: cfg.withDefaults(), logger: opts.Logger, opts: opts, variants: map[string]coraza.WAF{}}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	if cfg.Enabled {
		if _, err := m.waf(makeVariant(m.cfg.ExcludeRules, nil, m.cfg.DetectionOnly)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// waf returns the compiled WAF for v, compiling it on first use. Variants
// are built when routes are wrapped (at config load), never per request.
func (m *Middleware) waf(v variant) (coraza.WAF, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := v.key()
	if w, ok := m.variants[k]; ok {
		return w, nil
	}
	conf := coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(m.directives(v))
	if m.opts.errorLog != nil {
		conf = conf.WithErrorCallback(m.opts.errorLog)
	}
	w, err := coraza.NewWAF(conf)
	if err != nil {
		return nil, fmt.Errorf("waf: compile rules (%s): %w", k, err)
	}
	m.variants[k] = w
	return w, nil
}

// directives assembles the SecLang for one variant. Order matters: engine
// settings, then crs-setup, then our CRS variables (SecActions in phase 1
// that CRS's 901 initialisation respects because they run first), then
// the rules, then the removals, which only apply to rules already defined.
func (m *Middleware) directives(v variant) string {
	c := m.cfg
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("Include @coraza.conf-recommended")
	if v.detectionOnly {
		line("SecRuleEngine DetectionOnly")
	} else {
		line("SecRuleEngine On")
	}
	line("SecRequestBodyAccess On")
	line("SecRequestBodyLimit %d", c.RequestBodyLimit)
	line("SecRequestBodyInMemoryLimit %d", c.RequestBodyLimit)
	line("SecRequestBodyLimitAction Reject")
	line("SecArgumentsLimit %d", c.ArgumentLimit)
	if c.ResponseBodyInspection {
		line("SecResponseBodyAccess On")
		line("SecResponseBodyLimit %d", c.ResponseBodyLimit)
		line("SecResponseBodyLimitAction ProcessPartial")
	} else {
		line("SecResponseBodyAccess Off")
	}
	// The gateway has its own audit log; Coraza's would duplicate it and
	// write request data to disk.
	line("SecAuditEngine Off")
	if m.opts.extraDirectives != "" {
		b.WriteString(m.opts.extraDirectives)
		b.WriteString("\n")
	}
	line("Include @crs-setup.conf.example")
	line(`SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=%d"`, c.ParanoiaLevel)
	line(`SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=%d,setvar:tx.outbound_anomaly_score_threshold=%d"`,
		c.InboundAnomalyThreshold, c.OutboundAnomalyThreshold)
	line("Include @owasp_crs/*.conf")
	for _, id := range v.exclude {
		line("SecRuleRemoveById %d", id)
	}
	return b.String()
}

// Wrap returns the handler for one route. A route whose effective exclusions
// and mode equal another's shares its compiled WAF.
func (m *Middleware) Wrap(route string, rc RouteConfig, next http.Handler) (http.Handler, error) {
	if err := rc.Validate(); err != nil {
		return nil, fmt.Errorf("waf route %q: %w", route, err)
	}
	enabled := m.cfg.Enabled
	if rc.Enabled != nil {
		enabled = *rc.Enabled
	}
	if !enabled {
		return next, nil
	}
	det := m.cfg.DetectionOnly
	if rc.DetectionOnly != nil {
		det = *rc.DetectionOnly
	}
	w, err := m.waf(makeVariant(m.cfg.ExcludeRules, rc.ExcludeRules, det))
	if err != nil {
		return nil, fmt.Errorf("waf route %q: %w", route, err)
	}
	return &handler{m: m, route: route, waf: w, next: next, detectionOnly: det}, nil
}

// Close releases the compiled rule sets (Coraza memoizes compiled patterns
// process-wide; without Close every reload would keep the old ones).
func (m *Middleware) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, w := range m.variants {
		if c, ok := w.(experimental.WAFCloser); ok {
			if err := c.Close(); err != nil {
				return fmt.Errorf("waf: close %s: %w", k, err)
			}
		}
		delete(m.variants, k)
	}
	return nil
}

type handler struct {
	m             *Middleware
	route         string
	waf           coraza.WAF
	next          http.Handler
	detectionOnly bool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := reqctx.From(r.Context())
	cfg := &h.m.cfg

	body, rest, err := readBody(r, cfg.RequestBodyLimit)
	if err != nil {
		reqctx.Reject(w, r, http.StatusBadRequest, "waf.body_read", "could not read request body")
		return
	}
	// The WAF's own limits: past them Coraza would inspect only part of the
	// request, so a blocking route refuses it. A detection-only route
	// promises never to block; it records the would-be refusal and passes
	// the request on uninspected.
	limit := ""
	switch {
	case rest != nil:
		limit = "waf.body_limit"
	case countArgs(r, body) > cfg.ArgumentLimit:
		limit = "waf.argument_limit"
	}
	if limit != "" {
		if !h.detectionOnly {
			msg := "request body too large"
			if limit == "waf.argument_limit" {
				msg = "too many request arguments"
			}
			reqctx.Reject(w, r, http.StatusRequestEntityTooLarge, limit, msg)
			return
		}
		st.Detect(limit)
		if body != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), orEmpty(rest)), r.Body}
		}
		h.next.ServeHTTP(w, r)
		return
	}

	var tx types.Transaction
	if wo, ok := h.waf.(experimental.WAFWithOptions); ok && st.ID != "" {
		tx = wo.NewTransactionWithOptions(experimental.Options{ID: st.ID, Context: r.Context()})
	} else {
		tx = h.waf.NewTransaction()
	}
	defer func() {
		tx.ProcessLogging()
		_ = tx.Close()
	}()

	if it := h.processRequest(tx, r, st, body); it != nil {
		h.block(w, r, tx, it)
		return
	}
	h.noteDetection(tx, st, false)
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if !cfg.ResponseBodyInspection {
		h.next.ServeHTTP(w, r)
		return
	}
	h.serveInspected(w, r, tx, st)
}

// processRequest runs phases 1 and 2. It mirrors coraza/http's
// processRequest, including re-adding Host and Transfer-Encoding, which Go's
// net/http removes from r.Header but CRS rules inspect.
func (h *handler) processRequest(tx types.Transaction, r *http.Request, st *reqctx.State, body []byte) *types.Interruption {
	client, cport := st.ClientIP, 0
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		cport, _ = strconv.Atoi(port)
		if client == "" {
			client = host
		}
	}
	tx.ProcessConnection(client, cport, "", 0)
	tx.ProcessURI(r.URL.String(), r.Method, r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			tx.AddRequestHeader(k, v)
		}
	}
	if r.Host != "" {
		tx.AddRequestHeader("Host", r.Host)
		tx.SetServerName(r.Host)
	}
	for _, te := range r.TransferEncoding {
		tx.AddRequestHeader("Transfer-Encoding", te)
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return it
	}
	if len(body) > 0 && tx.IsRequestBodyAccessible() {
		if it, _, err := tx.WriteRequestBody(body); it != nil {
			return it
		} else if err != nil {
			h.m.logger.Warn("waf: buffer request body", "route", h.route, "request_id", st.ID, "err", err)
		}
	}
	it, err := tx.ProcessRequestBody()
	if err != nil {
		h.m.logger.Warn("waf: process request body", "route", h.route, "request_id", st.ID, "err", err)
	}
	return it
}

// block answers an interrupted transaction.
func (h *handler) block(w http.ResponseWriter, r *http.Request, tx types.Transaction, it *types.Interruption) {
	id := reasonRule(tx, it)
	status := it.Status
	if status < 400 || status > 499 {
		status = http.StatusForbidden
	}
	h.m.logger.Info("waf: request blocked", "route", h.route, "rule", id, "interrupting_rule", it.RuleID,
		"status", status, "request_id", reqctx.From(r.Context()).ID, "rules", matchedIDs(tx))
	reqctx.Reject(w, r, status, "waf."+strconv.Itoa(id), "request blocked")
}

// noteDetection records a would-have-blocked verdict in detection-only
// mode. The engine then never interrupts, so the signal is CRS's blocking
// evaluation rule having matched: 949110 (inbound score over threshold) or
// 959100 (outbound).
func (h *handler) noteDetection(tx types.Transaction, st *reqctx.State, outbound bool) {
	eval := 949110
	if outbound {
		eval = 959100
	}
	for _, mr := range tx.MatchedRules() {
		if mr.Rule().ID() == eval {
			id := reasonRule(tx, nil)
			st.Detect("waf." + strconv.Itoa(id))
			h.m.logger.Info("waf: detection-only match", "route", h.route, "rule", id, "request_id", st.ID, "rules", matchedIDs(tx))
			return
		}
	}
}

// reasonRule picks the rule to name in the audit reason. CRS blocks through
// its anomaly-score rule (949110), which says only that a threshold was
// crossed; the first matched detection rule (942100 for libinjection SQLi,
// say) is what an operator needs to see and to exclude if it is a false
// positive. Engine rules (2000xx: body parse errors, argument limit) are
// named as they are.
func reasonRule(tx types.Transaction, it *types.Interruption) int {
	if it != nil && it.RuleID < 900000 {
		return it.RuleID
	}
	// Severity 0..7, lower is worse; RuleSeverityUnset is negative and
	// ranks last. Ties go to the first rule matched.
	best, bestSev := 0, types.RuleSeverity(1<<30)
	for _, mr := range tx.MatchedRules() {
		id := mr.Rule().ID()
		if isScoringRule(id) {
			continue
		}
		sev := mr.Rule().Severity()
		if sev < 0 {
			sev = 1 << 29
		}
		if sev < bestSev {
			best, bestSev = id, sev
		}
	}
	if best != 0 {
		return best
	}
	if it != nil {
		return it.RuleID
	}
	return 949110
}

// isScoringRule reports CRS bookkeeping rules: initialisation (900xxx,
// 901xxx, 905xxx), paranoia-level skips, blocking evaluation and
// correlation.
func isScoringRule(id int) bool {
	switch {
	case id >= 900000 && id < 910000:
		return true
	case id >= 949000 && id < 950000, id >= 959000 && id < 960000, id >= 980000 && id < 990000:
		return true
	}
	// Each rule file starts with paranoia-level skip markers xxx011-xxx018.
	if id >= 910000 && id < 1000000 {
		if s := id % 1000; s >= 11 && s <= 18 {
			return true
		}
	}
	return false
}

func matchedIDs(tx types.Transaction) []int {
	var ids []int
	for _, mr := range tx.MatchedRules() {
		if id := mr.Rule().ID(); !isScoringRule(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// readBody buffers the request body up to limit. When the body is longer,
// rest is the unread remainder (non-nil), and body holds what was read.
// Inspecting only a prefix would let a payload ride in the uninspected
// rest, so callers refuse such requests (or, in detection-only mode, pass
// them uninspected).
func readBody(r *http.Request, limit int64) (body []byte, rest io.Reader, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil, nil
	}
	if r.ContentLength > limit {
		return nil, r.Body, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(body)) > limit {
		return body, r.Body, nil
	}
	return body, nil, nil
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return bytes.NewReader(nil)
	}
	return r
}

package waf

// The CRS regression suite, run through this package's handler.
//
// github.com/corazawaf/coraza-coreruleset/v4/tests embeds the regression
// YAML of exactly the CRS version whose rules we embed (v4.25.0). go-ftw,
// the usual runner, is not installable here, so this file is a small
// runner of our own that copies what go-ftw does where it matters (read
// from coreruleset/go-ftw: ftwhttp/request.go BuildRequest, test/data.go,
// ftwhttp/header.go, runner/run.go checkResult) and configures the engine
// the way Coraza's own CRS run does (corazawaf/coraza
// testing/coreruleset/coreruleset_test.go: DetectionOnly via ctl, PL4,
// response body MIME type text/plain). Requests go over real loopback TCP
// to an httptest server, byte for byte, so Go's net/http parsing is part of
// what is tested, as it is in production.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	crstests "github.com/corazawaf/coraza-coreruleset/v4/tests"
	"github.com/corazawaf/coraza/v3/types"
	"go.yaml.in/yaml/v3"

	"github.com/wardensec/warden/internal/gateway/framing"
)

// crsExclusions are the tests this runner expects to fail, each with the
// upstream exclusion that covers it. Sources, as read for this list:
//   - [ftw.yml]: corazawaf/coraza testing/coreruleset/.ftw.yml
//     (testoverride.ignore) at commit 7c91e8c; [ftw.yml 08c609e] is an
//     earlier version of the same file;
//   - [overrides]: corazawaf/coraza testing/coreruleset/.ftw-overrides.yml
//     at commit 1a8f57c (expected outputs replaced for Coraza);
//   - [crs]: coreruleset/coreruleset tests/regression/coraza-overrides.yaml
//     at commit 0cf921b;
//   - [proxy-wasm]: corazawaf/coraza-proxy-wasm ftw/ftw.yml (Coraza's
//     Envoy deployment) at commit 72d3e87;
//   - [coraza-rs]: wtzhang23/coraza-rs ftw/ftw.yml at commit a3c1a8b,
//     "adapted from coraza-proxy-wasm/ftw/ftw.yml".
//
// The harness serves through the gateway's framing wrapper (package
// framing), as the gateway's listeners do. That wrapper answers 400 to a
// request line with an "HTTP/0.x" version token and to a raw '#' in the
// request target, where bare net/http would answer 505 or accept; so
// 920280-3, 920430-3, 920430-9 (HTTP/0.9 and HTTP/0.8, which Coraza's Envoy
// runner also ignores: [proxy-wasm] lines 48, 50, 53) and 920610-2 and
// 920100-8 (raw fragment) pass here and are not listed. It also answers 400
// to Content-Length with Transfer-Encoding, which the issue requires and
// which fails 920181-1 (see its entry).
//
// 920620-1 is the one entry without an upstream exclusion. The test sends
// two Content-Type headers and expects httpd's behaviour: httpd joins them
// into one, so 920620 ("multiple Content-Type headers") does not fire and
// the status is 200. Go's net/http keeps both, Coraza sees both, and 920620
// fires, which is what the rule is for. The test could pass only if the
// gateway merged the two headers before the WAF, hiding the very ambiguity
// 920620 detects, so it stays failing by design.
//
// The runner fails on any failure not listed here. A listed test that
// passes is reported (the list may be stale) but does not fail the run.
var crsExclusions = map[string]string{
	"920100-4":  "[ftw.yml][crs] invalid URI, Coraza not reached: Go's net/http answers before any handler",
	"920100-5":  "[ftw.yml][crs] invalid URI, Coraza not reached: Go's net/http answers before any handler",
	"920270-4":  "[ftw.yml][overrides][crs] rule fires (920270 logged); the test expects Apache's status 400",
	"920272-5":  "[ftw.yml][crs] rule fires (920272 logged); the test expects Apache's status 400",
	"920274-1":  "[overrides] Host validation: Apache expects 400, Coraza triggers 920274",
	"920290-1":  "[ftw.yml][overrides][crs] empty Host: rule works; the test expects Apache's status 400",
	"920290-4":  "[ftw.yml][overrides] Go's net/http: missing required Host header; 920280 fires instead of 920290",
	"920430-5":  "[ftw.yml 08c609e] test has expect_error; Go's net/http returns 400 instead",
	"920430-8":  "[ftw.yml][overrides][crs] Go's net/http does not allow HTTP/3.0: 505 HTTP Version Not Supported",
	"922130-1":  "[overrides] multipart: Coraza reports 200003 MULTIPART_STRICT_ERROR at parse time instead of 922130",
	"922130-2":  "[overrides] multipart: Coraza reports 200003 MULTIPART_STRICT_ERROR at parse time instead of 922130",
	"922130-7":  "[overrides] multipart: Coraza reports 200003 MULTIPART_STRICT_ERROR at parse time instead of 922130",
	"932200-13": "[ftw.yml][crs] 'wip' upstream",
	"934131-5":  "[crs] TODO upstream: payload deobfuscation fails in Coraza",
	"934131-7":  "[crs] TODO upstream: payload deobfuscation fails in Coraza",
	"930110-7":  "[ftw.yml] CRS issue coreruleset/coreruleset#3736",
	"920181-1":  "[coraza-rs] ftw/ftw.yml:21 'Content-Length with Transfer-Encoding chunked is rejected by Envoy with Error 400'; the gateway's framing wrapper refuses it with 400 as the issue requires, the test expects Apache's 200",
	"920620-1":  "[by design, no upstream entry] two Content-Type headers: httpd joins them (the test expects no 920620 and 200); Go keeps both and 920620 fires; passing would need the gateway to merge them and hide the ambiguity",
}

// crsTestConfig is Coraza's testing configuration (current
// testing/coreruleset/coreruleset_test.go, from CRS's tests/regression
// README "requirements"): DetectionOnly per transaction so every rule is
// evaluated and logged, PL4, the CRS test variables, text/plain as the
// inspected response type, and default actions that log in phases 3-5 (the
// 980170 reporting tests need phase 5 to log).
const crsTestConfig = `
SecResponseBodyMimeType text/plain
SecDefaultAction "phase:3,log,auditlog,pass"
SecDefaultAction "phase:4,log,auditlog,pass"
SecDefaultAction "phase:5,log,auditlog,pass"
SecAction "id:900005,\
  phase:1,\
  nolog,\
  pass,\
  ctl:ruleEngine=DetectionOnly,\
  ctl:ruleRemoveById=910000,\
  setvar:tx.blocking_paranoia_level=4,\
  setvar:tx.crs_validate_utf8_encoding=1,\
  setvar:tx.arg_name_length=100,\
  setvar:tx.arg_length=400,\
  setvar:tx.total_arg_length=64000,\
  setvar:tx.max_num_args=255,\
  setvar:tx.max_file_size=64100,\
  setvar:tx.combined_file_sizes=65535"
`

type ftwFile struct {
	RuleID int       `yaml:"rule_id"`
	Tests  []ftwTest `yaml:"tests"`
}

type ftwTest struct {
	TestID int        `yaml:"test_id"`
	Desc   string     `yaml:"desc"`
	Stages []ftwStage `yaml:"stages"`
}

type ftwStage struct {
	Input struct {
		Method              *string           `yaml:"method"`
		URI                 *string           `yaml:"uri"`
		Version             *string           `yaml:"version"`
		Headers             map[string]string `yaml:"headers"`
		Data                *string           `yaml:"data"`
		EncodedData         *string           `yaml:"encoded_data"`
		EncodedRequest      string            `yaml:"encoded_request"`
		AutocompleteHeaders *bool             `yaml:"autocomplete_headers"`
		StopMagic           *bool             `yaml:"stop_magic"`
	} `yaml:"input"`
	Output struct {
		Status           int    `yaml:"status"`
		ExpectError      *bool  `yaml:"expect_error"`
		ResponseContains string `yaml:"response_contains"`
		Log              struct {
			ExpectIDs    []int  `yaml:"expect_ids"`
			NoExpectIDs  []int  `yaml:"no_expect_ids"`
			MatchRegex   string `yaml:"match_regex"`
			NoMatchRegex string `yaml:"no_match_regex"`
		} `yaml:"log"`
	} `yaml:"output"`
}

// crsRun is the server side of the run: the WAF behind httptest, the rule
// log of the current request, and counters that tell the client when
// Coraza's phase 5 (which runs after the response may already be out) has
// finished, which replaces go-ftw's log markers and retry_once.
type crsRun struct {
	mu      sync.Mutex
	log     []string
	started atomic.Int64
	ended   atomic.Int64
	addr    string
}

func (c *crsRun) errorLog(mr types.MatchedRule) {
	c.mu.Lock()
	c.log = append(c.log, mr.ErrorLog())
	c.mu.Unlock()
}

func (c *crsRun) takeLog() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.log
	c.log = nil
	return l
}

// crsBackend stands in for albedo/httpbin: /reflect answers with the
// status, headers and body described in the JSON request body (the
// response-rule tests use it); everything else answers "Hello!".
var crsBackend = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "text/plain")
	if r.URL.Path != "/reflect" {
		io.WriteString(w, "Hello!")
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if s, err := url.QueryUnescape(string(body)); err == nil {
			body = []byte(s)
		}
	}
	var spec struct {
		Status      int               `json:"status"`
		Headers     map[string]string `json:"headers"`
		Body        string            `json:"body"`
		EncodedBody string            `json:"encodedBody"`
	}
	_ = json.Unmarshal(body, &spec)
	for k, v := range spec.Headers {
		w.Header().Set(k, v)
	}
	out := []byte(spec.Body)
	if spec.EncodedBody != "" {
		if b, err := base64.StdEncoding.DecodeString(spec.EncodedBody); err == nil {
			out = b
		}
	}
	if spec.Status == 0 {
		spec.Status = 200
	}
	w.WriteHeader(spec.Status)
	w.Write(out)
})

func TestCRSRegression(t *testing.T) {
	if testing.Short() {
		t.Skip("CRS regression suite (~4,700 requests) skipped in -short mode")
	}
	run := &crsRun{}
	mw, err := New(Config{
		Enabled:                true,
		ParanoiaLevel:          4,
		RequestBodyLimit:       13107200, // coraza.conf-recommended
		ArgumentLimit:          1000,     // coraza.conf-recommended
		ResponseBodyInspection: true,
		ResponseBodyLimit:      524288,
	}, Options{extraDirectives: crsTestConfig, errorLog: run.errorLog})
	if err != nil {
		t.Fatal(err)
	}
	defer mw.Close()
	h, err := mw.Wrap("crs", RouteConfig{}, crsBackend)
	if err != nil {
		t.Fatal(err)
	}
	// The gateway's listeners check request framing and request lines below
	// net/http (package framing); the harness serves through the same
	// wrapper so that what is tested is what a client of the gateway meets.
	srv := httptest.NewUnstartedServer(framing.Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		run.started.Add(1)
		defer run.ended.Add(1)
		h.ServeHTTP(w, r)
	})))
	srv.Listener = framing.NewListener(srv.Listener, framing.Options{})
	srv.Config.ConnContext = framing.ConnContext
	srv.Start()
	defer srv.Close()
	run.addr = srv.Listener.Addr().String()

	files, err := loadFTW()
	if err != nil {
		t.Fatal(err)
	}
	var total, passed int
	var unexpected, excludedFailed, excludedPassed []string
	start := time.Now()
	for _, f := range files {
		for i, tc := range f.Tests {
			id := tc.TestID
			if id == 0 {
				id = i + 1
			}
			name := fmt.Sprintf("%d-%d", f.RuleID, id)
			total++
			failure := ""
			for si, st := range tc.Stages {
				if msg := run.stage(st); msg != "" {
					failure = fmt.Sprintf("stage %d: %s", si+1, msg)
					break
				}
			}
			_, excluded := crsExclusions[name]
			switch {
			case failure == "":
				passed++
				if excluded {
					excludedPassed = append(excludedPassed, name)
				}
			case excluded:
				excludedFailed = append(excludedFailed, name)
				t.Logf("excluded %s failed as expected: %s", name, failure)
			default:
				unexpected = append(unexpected, name+": "+failure)
			}
		}
	}
	t.Logf("CRS %s regression: %d/%d tests passed in %s; %d failed on the exclusion list %v",
		"v4.25.0", passed, total, time.Since(start).Round(time.Second), len(excludedFailed), excludedFailed)
	if len(excludedPassed) > 0 {
		t.Logf("excluded tests that now pass (exclusion list may be stale): %v", excludedPassed)
	}
	if total < 4000 {
		t.Errorf("only %d tests loaded; the embedded suite has ~4,674", total)
	}
	for _, u := range unexpected {
		t.Errorf("unexpected failure %s", u)
	}
}

func loadFTW() ([]ftwFile, error) {
	var files []ftwFile
	err := fs.WalkDir(crstests.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			return nil
		}
		b, err := fs.ReadFile(crstests.FS, p)
		if err != nil {
			return err
		}
		var f ftwFile
		if err := yaml.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if f.RuleID == 0 {
			// go-ftw falls back to the digits in the file name.
			f.RuleID, _ = strconv.Atoi(strings.TrimSuffix(path.Base(p), path.Ext(p)))
		}
		files = append(files, f)
		return nil
	})
	slices.SortFunc(files, func(a, b ftwFile) int { return a.RuleID - b.RuleID })
	return files, err
}

var idRe = regexp.MustCompile(`\[id "(\d+)"\]`)

// stage sends one stage and returns "" on success or why it failed, with
// go-ftw's checkResult order: expected error, status, response text, log.
func (c *crsRun) stage(st ftwStage) string {
	raw, err := buildRequest(st)
	if err != nil {
		return "build request: " + err.Error()
	}
	c.takeLog()
	before := c.ended.Load()
	status, respText, respErr := c.send(raw)
	c.waitIdle(before)
	logLines := c.takeLog()

	out := st.Output
	if out.ExpectError != nil && *out.ExpectError {
		if respErr == nil {
			return fmt.Sprintf("expected a connection error, got status %d", status)
		}
		return ""
	}
	if respErr != nil {
		return "request error: " + respErr.Error()
	}
	if out.Status != 0 && status != out.Status {
		return fmt.Sprintf("status %d, want %d", status, out.Status)
	}
	if out.ResponseContains != "" && !regexp.MustCompile(out.ResponseContains).MatchString(respText) {
		return fmt.Sprintf("response does not contain %q", out.ResponseContains)
	}
	ids := map[int]bool{}
	for _, l := range logLines {
		for _, m := range idRe.FindAllStringSubmatch(l, -1) {
			n, _ := strconv.Atoi(m[1])
			ids[n] = true
		}
	}
	for _, id := range out.Log.ExpectIDs {
		if !ids[id] {
			return fmt.Sprintf("rule %d not logged (logged %v)", id, keys(ids))
		}
	}
	for _, id := range out.Log.NoExpectIDs {
		if ids[id] {
			return fmt.Sprintf("rule %d logged but must not be", id)
		}
	}
	joined := strings.Join(logLines, "\n")
	if out.Log.MatchRegex != "" && !regexp.MustCompile(out.Log.MatchRegex).MatchString(joined) {
		return fmt.Sprintf("log does not match %q", out.Log.MatchRegex)
	}
	if out.Log.NoMatchRegex != "" && regexp.MustCompile(out.Log.NoMatchRegex).MatchString(joined) {
		return fmt.Sprintf("log matches %q", out.Log.NoMatchRegex)
	}
	return ""
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// send writes raw to a fresh connection and reads one response.
func (c *crsRun) send(raw []byte) (int, string, error) {
	conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var full bytes.Buffer
	_ = resp.Header.Write(&full)
	_, _ = io.Copy(&full, resp.Body)
	return resp.StatusCode, full.String(), nil
}

// waitIdle waits (bounded) until every handler that started has finished,
// so the log holds phase 5 of this request and nothing of the next.
func (c *crsRun) waitIdle(before int64) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s, e := c.started.Load(), c.ended.Load()
		if s == e && (e > before || s == before) {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

var bodyMethods = regexp.MustCompile(`^POST|PUT|PATCH|DELETE$`) // sic, as in go-ftw

// buildRequest reproduces go-ftw's BuildRequest.
func buildRequest(st ftwStage) ([]byte, error) {
	in := st.Input
	if in.EncodedRequest != "" {
		return base64.StdEncoding.DecodeString(in.EncodedRequest)
	}
	method, uri, version := "GET", "/", "HTTP/1.1"
	if in.Method != nil {
		method = *in.Method
	}
	if in.URI != nil {
		uri = *in.URI
	}
	if in.Version != nil {
		version = *in.Version
	}
	auto := true
	if in.AutocompleteHeaders != nil {
		auto = *in.AutocompleteHeaders
	} else if in.StopMagic != nil {
		auto = !*in.StopMagic
	}
	type hdr struct{ name, value string }
	var hs []hdr
	names := make([]string, 0, len(in.Headers))
	for k := range in.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		hs = append(hs, hdr{k, in.Headers[k]})
	}
	has := func(name string) bool {
		for _, h := range hs {
			if http.CanonicalHeaderKey(h.name) == http.CanonicalHeaderKey(name) {
				return true
			}
		}
		return false
	}
	hasValue := func(name string, match func(v string) bool) bool {
		for _, h := range hs {
			if http.CanonicalHeaderKey(h.name) == http.CanonicalHeaderKey(name) && match(h.value) {
				return true
			}
		}
		return false
	}
	data := stageData(st)
	if len(data) > 0 && auto {
		if !has("Content-Type") {
			hs = append(hs, hdr{"Content-Type", "application/x-www-form-urlencoded"})
		}
		if hasValue("Content-Type", func(v string) bool { return strings.EqualFold(v, "application/x-www-form-urlencoded") }) {
			data = encodeForm(data)
		}
	}
	if hasValue("Content-Type", func(v string) bool { return strings.Contains(strings.ToLower(v), "multipart/form-data;") }) {
		data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
	}
	if auto {
		if !has("Connection") {
			hs = append(hs, hdr{"Connection", "close"})
		}
		if !has("Content-Length") && (len(data) > 0 || bodyMethods.MatchString(method)) {
			hs = append(hs, hdr{"Content-Length", strconv.Itoa(len(data))})
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", method, uri, version)
	for _, h := range hs {
		b.WriteString(h.name + ": " + h.value + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(data)
	return b.Bytes(), nil
}

// stageData evaluates data as a Go template (go-ftw uses sprig; the suite
// only uses sprig's repeat). A template that fails to parse or run yields
// no body, as in go-ftw.
func stageData(st ftwStage) []byte {
	in := st.Input
	if in.Data != nil {
		tpl, err := template.New("ftw").Funcs(template.FuncMap{
			"repeat": func(n int, s string) string { return strings.Repeat(s, n) },
		}).Parse(*in.Data)
		if err != nil {
			return nil
		}
		var out bytes.Buffer
		if err := tpl.Execute(&out, nil); err != nil {
			return nil
		}
		return out.Bytes()
	}
	if in.EncodedData != nil {
		b, err := base64.StdEncoding.DecodeString(*in.EncodedData)
		if err != nil {
			return nil
		}
		return b
	}
	return nil
}

// encodeForm URL-encodes each key and value unless the data already looks
// escaped (unescaping changes it), as go-ftw's encodeDataParameters does.
func encodeForm(data []byte) []byte {
	s := string(data)
	if un, err := url.QueryUnescape(s); un != s || err != nil {
		return data
	}
	var b strings.Builder
	for rest := s; len(rest) > 0; {
		tok, after, _ := strings.Cut(rest, "&")
		rest = after
		if k, v, ok := strings.Cut(tok, "="); ok {
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v) + "&")
		} else {
			b.WriteString(url.QueryEscape(tok) + "&")
		}
	}
	return []byte(strings.TrimSuffix(b.String(), "&"))
}

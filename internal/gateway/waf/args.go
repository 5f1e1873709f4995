package waf

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// Content types that coraza.conf-recommended routes to the JSON and XML
// body processors (rules 200001, 200006 and 200000).
var (
	jsonType = regexp.MustCompile(`^application/(?:json|[a-z0-9.-]+\+json)`)
	xmlType  = regexp.MustCompile(`^(?:application(?:/soap\+|/)|text/)xml`)
)

// countArgs returns an upper bound on the number of ARGS values Coraza will
// create for r. It must never undercount: an undercount would admit a
// request whose tail Coraza silently skips. It may overcount (a body with
// many '&' that is not a form), which only costs a 413.
//
// Coraza parses query strings and form bodies on '&'; CRS forces the
// URLENCODED processor for bodies of unknown type (901340,
// ctl:forceRequestBodyVariable), so those count like forms. JSON counts its
// scalar leaves (Coraza's flattener), multipart its parts, and XML nothing
// (it goes to the XML collection, which has no argument limit).
func countArgs(r *http.Request, body []byte) int {
	n := 0
	if q := r.URL.RawQuery; q != "" {
		n += strings.Count(q, "&") + 1
	}
	if len(body) == 0 {
		return n
	}
	ct := ""
	if v := r.Header.Values("Content-Type"); len(v) > 0 {
		// Coraza selects the body processor from the first header only.
		ct = strings.ToLower(strings.TrimSpace(v[0]))
	}
	switch {
	case jsonType.MatchString(ct):
		n += jsonLeaves(body)
	case strings.HasPrefix(ct, "multipart/form-data"):
		// Boundaries are case-sensitive: parse the header as sent.
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && params["boundary"] != "" {
			n += bytes.Count(body, []byte("--"+params["boundary"]))
		}
	case xmlType.MatchString(ct):
	default:
		n += bytes.Count(body, []byte("&")) + 1
	}
	return n
}

// jsonLeaves counts scalar values (strings, numbers, booleans, nulls) in a
// JSON document, not object keys. For a document that does not parse it
// falls back to an upper bound: every leaf is followed by ',' or a closing
// bracket, or ends the input.
func jsonLeaves(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct{ object, wantKey bool }
	var stack []frame
	n := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			return bytes.Count(body, []byte(",")) + bytes.Count(body, []byte("]")) + bytes.Count(body, []byte("}")) + 1
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
			}
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			top := &stack[len(stack)-1]
			if top.wantKey {
				top.wantKey = false
				continue
			}
			top.wantKey = true
		}
		n++
	}
}

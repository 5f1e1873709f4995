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
//
// A request may carry several Content-Type headers, and Coraza's choices
// differ by processor: URLENCODED and MULTIPART come from the first header,
// while the JSON and XML rules (200001/200006/200000) match any of them and
// override it. So the count covers every processor some header could
// select, not only the one the first header names.
func countArgs(r *http.Request, body []byte) int {
	n := 0
	if q := r.URL.RawQuery; q != "" {
		n += strings.Count(q, "&") + 1
	}
	if len(body) == 0 {
		return n
	}
	values := r.Header.Values("Content-Type")
	anyJSONOrXML := false
	best := 0
	for _, v := range values {
		ct := strings.ToLower(strings.TrimSpace(v))
		switch {
		case jsonType.MatchString(ct):
			best = max(best, jsonLeaves(body))
			anyJSONOrXML = true
		case xmlType.MatchString(ct):
			anyJSONOrXML = true
		case strings.HasPrefix(ct, "multipart/form-data"):
			// Boundaries are case-sensitive: parse the header as sent.
			if _, params, err := mime.ParseMediaType(v); err == nil && params["boundary"] != "" {
				best = max(best, bytes.Count(body, []byte("--"+params["boundary"])))
			}
		}
	}
	// Without a JSON or XML selection the body is URLENCODED: by a form
	// Content-Type, or forced by CRS for anything else.
	if !anyJSONOrXML {
		best = max(best, bytes.Count(body, []byte("&"))+1)
	}
	return n + best
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

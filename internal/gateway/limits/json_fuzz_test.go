package limits

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"testing"
)

// tokenCheck is the previous implementation of checkJSON, on top of
// json.Decoder.Token; FuzzCheckJSON holds the allocation-free scanner to it.
func tokenCheck(b []byte, lim RouteConfig) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	depth, elems, started := 0, 0, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !started || depth == 0 {
				return "", true
			}
			return "limits.json.syntax", false
		}
		if err != nil {
			return "limits.json.syntax", false
		}
		if started && depth == 0 {
			return "limits.json.syntax", false
		}
		started = true
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
				elems++
				if depth > lim.MaxJSONDepth {
					return "limits.json.depth", false
				}
			} else {
				depth--
			}
		case json.Number:
			elems++
			if len(t) > maxNumberLen {
				return "limits.json.number", false
			}
			if _, err := strconv.ParseFloat(string(t), 64); err != nil {
				return "limits.json.number", false
			}
		default:
			elems++
		}
		if elems > lim.MaxJSONElements {
			return "limits.json.elements", false
		}
	}
}

func reason(err error) (string, bool) {
	if err == nil {
		return "", true
	}
	var je *jsonError
	if errors.As(err, &je) {
		return je.reason, false
	}
	return "other: " + err.Error(), false
}

// FuzzCheckJSON: on valid JSON the scanner gives exactly the old verdict
// (pass, or the same limit reason); on invalid JSON both refuse.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `[[[[1]]]]`, `[1e1000000]`, `{} {}`, `"\u00e9\"x"`, `  `, `[1,]`, `{"a":-0.5e-3,"b":true}`, `[` + string(bytes.Repeat([]byte("1"), 70)) + `]`} {
		f.Add([]byte(s), byte(3), byte(10))
	}
	f.Fuzz(func(t *testing.T, b []byte, depth, elems byte) {
		lim := RouteConfig{MaxJSONDepth: int(depth%8) + 1, MaxJSONElements: int(elems) + 1}
		want, wantOK := tokenCheck(b, lim)
		got, gotOK := reason(checkJSON(b, lim))
		if json.Valid(b) || len(bytes.TrimSpace(b)) == 0 {
			if got != want {
				t.Fatalf("%q %+v: scanner %q, tokenizer %q", b, lim, got, want)
			}
			return
		}
		if gotOK || wantOK {
			t.Fatalf("%q %+v: invalid JSON accepted (scanner ok=%v, tokenizer ok=%v)", b, lim, gotOK, wantOK)
		}
	})
}

package serverless

import "strings"

// segment is one piece of a scalar that may hold variables: literal text,
// or the body of a ${...} variable (without the braces).
type segment struct {
	lit   string
	isVar bool
}

// splitTemplate cuts s into literal text and top-level ${...} variables.
// Nested variables stay inside their parent's body and are resolved when
// the parent is. CloudFormation Fn::Sub placeholders (${AWS::Region},
// ${MyBucket}, ${MyRole.Arn}) are not Serverless variables and stay
// literal, as the framework leaves them for CloudFormation. An unclosed
// "${" is literal too.
func splitTemplate(s string) []segment {
	var out []segment
	var lit strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
			end := matchBrace(s, i+2)
			if end < 0 {
				lit.WriteString(s[i:])
				break
			}
			body := s[i+2 : end]
			if !isVariable(body) {
				lit.WriteString(s[i : end+1])
				i = end + 1
				continue
			}
			if lit.Len() > 0 {
				out = append(out, segment{lit: lit.String()})
				lit.Reset()
			}
			out = append(out, segment{lit: body, isVar: true})
			i = end + 1
			continue
		}
		lit.WriteByte(s[i])
		i++
	}
	if lit.Len() > 0 {
		out = append(out, segment{lit: lit.String()})
	}
	return out
}

// matchBrace returns the index of the '}' closing a variable whose body
// starts at i, honouring nested ${...} and quoted literals, or -1. A quote
// that never closes (an apostrophe in a path) is then ignored.
func matchBrace(s string, i int) int {
	if j := scanBrace(s, i, true); j >= 0 {
		return j
	}
	return scanBrace(s, i, false)
}

func scanBrace(s string, i int, quotes bool) int {
	depth := 1
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case quotes && (c == '\'' || c == '"'):
			quote = c
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// isVariable tells a Serverless variable body ("self:custom.x",
// "file(./a.yml):k", "opt:stage, 'dev'") from a CloudFormation Fn::Sub
// placeholder ("AWS::Region", "MyBucket", "MyRole.Arn").
func isVariable(body string) bool {
	b := strings.TrimSpace(body)
	if strings.HasPrefix(b, "${") {
		return true
	}
	i := 0
	for i < len(b) && (isAlnum(b[i]) || b[i] == '_') {
		i++
	}
	if i == 0 || i == len(b) {
		return false
	}
	switch b[i] {
	case '(':
		return true
	case ':':
		// "AWS::Region" is a pseudo parameter, not source "AWS".
		return !(i+1 < len(b) && b[i+1] == ':')
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// splitFallbacks cuts a variable body at its top-level commas:
// "env:A, self:b, 'x'" gives three alternatives.
func splitFallbacks(body string) []string {
	var out []string
	depth := 0
	var quote byte
	start := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '{' || c == '(':
			depth++
		case (c == '}' || c == ')') && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(body[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(body[start:]))
}

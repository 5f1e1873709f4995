package leastpriv

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wardensec/warden/internal/model"
)

// Formats lists the output formats of WritePolicies.
var Formats = []string{"json", "cloudformation", "serverless", "terraform"}

// WritePolicies prints the policies in one format. Every format carries
// what could not be resolved (comments, or "notes" in JSON): a policy that
// hides where it widened would be trusted more than it deserves.
func WritePolicies(w io.Writer, format string, ps []*Policy) error {
	switch format {
	case "json", "":
		return writeJSON(w, ps)
	case "cloudformation", "sam":
		return writeYAML(w, ps, false)
	case "serverless":
		return writeYAML(w, ps, true)
	case "terraform":
		return writeTerraform(w, ps)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// jsonPolicy is the JSON form of one function's policy.
type jsonPolicy struct {
	Function string       `json:"function"`
	File     string       `json:"file,omitempty"`
	Language string       `json:"language,omitempty"`
	Complete bool         `json:"complete"`
	Policy   jsonDocument `json:"policy"`
	// Unresolved lists, per statement, what Warden could not resolve.
	Unresolved []jsonUnresolved `json:"unresolved,omitempty"`
	Unmapped   []jsonUnmapped   `json:"unmapped,omitempty"`
	Notes      []string         `json:"notes,omitempty"`
}

type jsonDocument struct {
	Version   string         `json:"Version"`
	Statement []jsonStatment `json:"Statement"`
}

type jsonStatment struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource string   `json:"Resource"`
}

type jsonUnresolved struct {
	Sid      string   `json:"sid"`
	Resource string   `json:"resource"`
	Projects []string `json:"project_resources,omitempty"`
	Notes    []string `json:"notes"`
}

type jsonUnmapped struct {
	Pos    string `json:"pos"`
	Call   string `json:"call"`
	Reason string `json:"reason"`
}

func sid(i int) string { return "Code" + strconv.Itoa(i+1) }

func writeJSON(w io.Writer, ps []*Policy) error {
	out := make([]jsonPolicy, 0, len(ps))
	for _, p := range ps {
		jp := jsonPolicy{Function: p.Function.Name, File: p.Function.Pos.File, Complete: p.Usage.Complete(),
			Policy: jsonDocument{Version: "2012-10-17", Statement: []jsonStatment{}}}
		if p.Usage != nil {
			jp.Language = p.Usage.Language
			jp.Notes = p.Usage.Notes
			for _, um := range p.Usage.Unmapped {
				jp.Unmapped = append(jp.Unmapped, jsonUnmapped{Pos: um.Call.Pos.String(), Call: um.Call.Key(), Reason: um.Reason})
			}
		}
		for i, st := range p.Statements {
			jp.Policy.Statement = append(jp.Policy.Statement, jsonStatment{Sid: sid(i), Effect: "Allow", Action: st.Actions, Resource: st.Resource.ARN})
			// Slots are unresolved in JSON when their names are not known:
			// the ARN has "*" there.
			var notes []string
			for _, sl := range st.Resource.Slots {
				if sl.Name == "" {
					notes = append(notes, st.Resource.SlotNotes...)
					break
				}
			}
			notes = append(notes, st.Resource.Notes...)
			if len(notes) > 0 {
				u := jsonUnresolved{Sid: sid(i), Resource: st.Resource.ARN, Notes: notes}
				for _, s := range st.Resource.Slots {
					u.Projects = append(u.Projects, s.Logical)
				}
				jp.Unresolved = append(jp.Unresolved, u)
			}
		}
		out = append(out, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write policies: %w", err)
	}
	return nil
}

// cfnResource writes a resource with CloudFormation intrinsics for the
// project resources it names. Ref of a queue is its URL and Ref of a topic
// or secret is its ARN, so names come from the attributes that hold them.
func cfnResource(r Resource) string {
	if len(r.Slots) == 0 {
		return yamlQuote(r.ARN)
	}
	if len(r.Slots) == 1 && strings.HasSuffix(r.Template, slotMark(0)) {
		switch s := r.Slots[0]; s.Kind {
		case model.KindTopic, model.KindSecret, model.KindStateMachine:
			return "!Ref " + s.Logical
		}
	}
	sub := Render(escapeSub(r.Template), r.Slots, func(_ int, s Slot) string {
		switch s.Kind {
		case model.KindQueue:
			return "${" + s.Logical + ".QueueName}"
		case model.KindTopic:
			return "${" + s.Logical + ".TopicName}"
		case model.KindStateMachine:
			return "${" + s.Logical + ".Name}"
		}
		return "${" + s.Logical + "}"
	}, "${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}")
	return "!Sub " + yamlQuote(sub)
}

// escapeSub keeps literal "${" out of a Sub string.
func escapeSub(s string) string { return strings.ReplaceAll(s, "${", "${!") }

func yamlQuote(s string) string { return strconv.Quote(s) }

func writeComments(b *strings.Builder, indent string, lines []string) {
	for _, l := range lines {
		b.WriteString(indent + "# " + strings.ReplaceAll(l, "\n", " ") + "\n")
	}
}

// header writes what applies to the whole function: where it is, whether
// the analysis saw everything, the calls it could not map.
func header(b *strings.Builder, p *Policy, indent string) {
	f := p.Function
	fmt.Fprintf(b, "%s# %s (%s): least-privilege policy from its code (warden iam suggest)\n", indent, f.Name, f.Pos)
	u := p.Usage
	if u == nil {
		writeComments(b, indent, []string{"code not analysed"})
		return
	}
	if !u.Located {
		writeComments(b, indent, append([]string{"UNRESOLVED: the function's code was not found or not parsed; no policy can be derived:"}, u.Notes...))
		return
	}
	if len(u.Notes) > 0 {
		writeComments(b, indent, append([]string{"INCOMPLETE: the analysis could not see everything:"}, u.Notes...))
	}
	for _, um := range u.Unmapped {
		writeComments(b, indent, []string{fmt.Sprintf("UNMAPPED: %s at %s: %s", um.Call.Key(), um.Call.Pos, um.Reason)})
	}
	if len(p.Statements) == 0 {
		writeComments(b, indent, []string{"the code makes no AWS SDK calls Warden can see"})
	}
}

func writeYAML(w io.Writer, ps []*Policy, serverless bool) error {
	var b strings.Builder
	if serverless {
		b.WriteString("# Per-function statements (serverless-iam-roles-per-function), or merge into provider.iam.role.statements.\nfunctions:\n")
	}
	for _, p := range ps {
		ind := ""
		if serverless {
			ind = "  "
			b.WriteString(ind + p.Function.Name + ":\n")
			ind = "    "
		}
		header(&b, p, ind)
		if serverless {
			b.WriteString(ind + "iamRoleStatements:")
			ind += "  "
		} else {
			fmt.Fprintf(&b, "%s:\n  Policies:\n    - PolicyName: %s-least-privilege\n      PolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:", p.Function.Name+"Role", p.Function.Name)
			ind = "          "
		}
		if len(p.Statements) == 0 {
			b.WriteString(" []\n")
			continue
		}
		b.WriteString("\n")
		for i, st := range p.Statements {
			writeComments(&b, ind, unresolvedLines(st, true))
			fmt.Fprintf(&b, "%s- Sid: %s\n%s  Effect: Allow\n%s  Action:\n", ind, sid(i), ind, ind)
			for _, a := range st.Actions {
				fmt.Fprintf(&b, "%s    - %s\n", ind, a)
			}
			fmt.Fprintf(&b, "%s  Resource: %s\n", ind, cfnResource(st.Resource))
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write policies: %w", err)
	}
	return nil
}

// unresolvedLines are the comments above a statement in template outputs,
// where slots are references to the project's resources (refs true) and
// only what stays a wildcard is UNRESOLVED.
func unresolvedLines(st Statement, refs bool) []string {
	var out []string
	for _, n := range st.Resource.SlotNotes {
		if refs {
			out = append(out, "from the template: "+n)
		} else {
			out = append(out, "UNRESOLVED: "+n)
		}
	}
	for _, n := range st.Resource.Notes {
		out = append(out, "UNRESOLVED: "+n)
	}
	if len(st.Optional) > 0 {
		out = append(out, "only some forms of the call need: "+strings.Join(st.Optional, ", "))
	}
	return out
}

// tfAttr is the Terraform attribute holding a resource's name (or, for
// resources whose ARN Warden writes whole, its ARN).
func tfAttr(s Slot) string {
	switch s.Kind {
	case model.KindBucket:
		return "bucket"
	case model.KindKey:
		return "key_id"
	}
	if s.Function {
		return "function_name"
	}
	return "name"
}

func writeTerraform(w io.Writer, ps []*Policy) error {
	var b strings.Builder
	for _, p := range ps {
		header(&b, p, "")
		fmt.Fprintf(&b, "data \"aws_iam_policy_document\" %q {\n", tfName(p.Function.Name)+"_least_privilege")
		for i, st := range p.Statements {
			tfRefs := true
			for _, sl := range st.Resource.Slots {
				if _, name, ok := strings.Cut(sl.Logical, "."); !ok || name == "" {
					tfRefs = false
				}
			}
			writeComments(&b, "  ", unresolvedLines(st, tfRefs))
			fmt.Fprintf(&b, "  statement {\n    sid       = %q\n    effect    = \"Allow\"\n    actions   = [", sid(i))
			for j, a := range st.Actions {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.Quote(a))
			}
			res := Render(strings.ReplaceAll(st.Resource.Template, "${", "$${"), st.Resource.Slots, func(_ int, s Slot) string {
				if s.Ref != "" && strings.Contains(s.Ref, "#") {
					if _, name, ok := strings.Cut(s.Logical, "."); ok && name != "" {
						return "${" + s.Logical + "." + tfAttr(s) + "}"
					}
				}
				return "*"
			}, "aws", "*", "*")
			if !strings.Contains(st.Resource.Template, "\x00") {
				res = st.Resource.ARN
			}
			fmt.Fprintf(&b, "]\n    resources = [%q]\n  }\n", res)
		}
		b.WriteString("}\n\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write policies: %w", err)
	}
	return nil
}

func tfName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}

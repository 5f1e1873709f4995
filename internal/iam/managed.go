package iam

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/wardensec/warden/internal/model"
)

//go:embed data/managed.tsv.gz
var managedGz []byte

// ManagedPolicy is an AWS managed policy.
type ManagedPolicy struct {
	Name       string
	ARN        string
	Deprecated bool

	doc    []byte
	once   sync.Once
	policy *model.Policy
	err    error

	// Statements prepared for evaluation, shared by every role that
	// attaches the policy: ReadOnlyAccess lists thousands of actions, and
	// preparing them per role would dominate a scan.
	prepOnce sync.Once
	prepared []*stmt
}

// stmts returns the prepared statements. They are never modified after
// this: Evaluate copies each one to set the attachment position.
func (m *ManagedPolicy) stmts() ([]*stmt, error) {
	m.prepOnce.Do(func() {
		pol, err := m.Policy()
		if err != nil {
			return
		}
		tmp := &Permissions{}
		tmp.addPolicy(pol, model.Pos{}, m.Name)
		m.prepared = append(tmp.allows, tmp.denies...)
		for _, s := range m.prepared {
			s.writeCandidates()
		}
	})
	return m.prepared, m.err
}

// ServiceRole reports whether AWS publishes the policy for a service's
// execution role (ARN path service-role/, e.g. AWSLambdaBasicExecutionRole,
// AWSLambdaSQSQueueExecutionRole). Such policies grant on "*" by design -
// CloudWatch Logs writes, polling any queue the function is mapped to - and
// SAM attaches them itself, so rules may weigh their grants lower than the
// project's own statements (Where.Managed names the policy).
func (m *ManagedPolicy) ServiceRole() bool { return strings.Contains(m.ARN, ":policy/service-role/") }

// Policy returns the policy document, parsed on first use. Statement
// positions name the pseudo-file "aws-managed-policy/<name>", since the
// document lives in Warden, not in the scanned project; Evaluate reports
// the attachment's position instead.
func (m *ManagedPolicy) Policy() (*model.Policy, error) {
	m.once.Do(func() {
		m.policy, m.err = ParsePolicyJSON("aws-managed-policy/"+m.Name, 1, m.doc)
		if m.err != nil {
			m.err = fmt.Errorf("managed policy %s: %w", m.Name, m.err)
			return
		}
		m.policy.Name = model.Str(m.Name, model.Pos{})
		m.policy.Source = "AWS managed policy"
	})
	return m.policy, m.err
}

var (
	managedOnce sync.Once
	managedByN  map[string]*ManagedPolicy // lower-cased name
	managedAll  []*ManagedPolicy
	managedErr  error
)

func loadManaged() error {
	managedOnce.Do(func() {
		managedByN, managedAll, managedErr = parseManaged(managedGz)
	})
	return managedErr
}

func parseManaged(gz []byte) (map[string]*ManagedPolicy, []*ManagedPolicy, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, nil, fmt.Errorf("managed policies: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, nil, fmt.Errorf("managed policies: %w", err)
	}
	header, rest, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.HasPrefix(header, []byte("#warden-iam-managed\t1")) {
		return nil, nil, fmt.Errorf("managed policies: unexpected header %q", header)
	}
	by := map[string]*ManagedPolicy{}
	var all []*ManagedPolicy
	for n := 2; len(rest) > 0; n++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		f := bytes.SplitN(line, []byte("\t"), 4)
		if len(f) != 4 {
			return nil, nil, fmt.Errorf("managed policies line %d: malformed record", n)
		}
		m := &ManagedPolicy{Name: string(f[0]), ARN: string(f[1]), Deprecated: string(f[2]) == "1", doc: f[3]}
		by[strings.ToLower(m.Name)] = m
		all = append(all, m)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return by, all, nil
}

// ManagedPolicies lists every embedded AWS managed policy, sorted by name.
func ManagedPolicies() []*ManagedPolicy {
	if err := loadManaged(); err != nil {
		panic(err) // embedded data, covered by tests: see Catalogue
	}
	return managedAll
}

// LookupManaged finds an AWS managed policy by name ("AdministratorAccess")
// or ARN ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
// any partition). A customer managed ARN (an account ID instead of "aws")
// is not found even when its name equals an AWS one: it is a different
// policy.
func LookupManaged(nameOrARN string) (*ManagedPolicy, bool) {
	if err := loadManaged(); err != nil {
		panic(err)
	}
	s := strings.TrimSpace(nameOrARN)
	if strings.HasPrefix(s, "arn:") {
		parts, ok := arnSplit(s)
		if !ok || parts[2] != "iam" || parts[4] != "aws" || !strings.HasPrefix(parts[5], "policy/") {
			return nil, false
		}
		s = parts[5][strings.LastIndex(parts[5], "/")+1:]
	}
	m, ok := managedByN[strings.ToLower(s)]
	return m, ok
}

// managedRef reads a ManagedPolicies entry of a role. An unresolved entry
// whose expression still shows an AWS managed policy ARN
// ("arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess") is that policy:
// only the partition is unknown.
func managedRef(v model.Value) (*ManagedPolicy, bool) {
	if v.IsKnown() {
		return LookupManaged(v.V)
	}
	e := v.Expr
	if i := strings.Index(e, ":iam::aws:policy/"); i >= 0 && !strings.Contains(e[i:], "${") {
		name := strings.Trim(e[strings.LastIndex(e, "/")+1:], "'\" }")
		return LookupManaged(name)
	}
	return nil, false
}

// Package iam understands AWS IAM policies well enough to answer the
// questions a serverless security review asks of a function's role: what
// can it do, per service and access level; can it escalate its privileges;
// can it make resources public; can it read data across the account; can it
// invoke other functions.
//
// It is a library that the rules and the least-privilege generator share,
// built on three parts:
//
//   - an action catalogue (Catalogue) embedded from the AWS Service
//     Authorization Reference, decoded lazily on first use, with access
//     levels, resource types and condition keys (see data/README.md);
//   - policy semantics (Evaluate, Permissions): wildcard expansion against
//     the catalogue, NotAction and NotResource, explicit Deny precedence,
//     conditions that narrow a grant, ARN matching with IAM's per-segment
//     rules, AWS managed policies resolved by name or ARN from embedded data;
//   - question sets (CanEscalate, CanExpose, CanExfiltrate,
//     CanInvokeAnyFunction, WildcardWrites, and the point query Can) that
//     return the statements which grant each answer, with their positions,
//     so a rule can point at them; and for resource policies IsPublic and
//     RestrictsCaller.
//
// A rule's use, in short:
//
//	perms := iam.Evaluate(role)
//	for _, path := range perms.CanEscalate(&iam.Options{SelfIDs: fnIDs}) {
//		// path.ID, path.Title, path.Positions(), path.Conditional, path.Scoped
//	}
//	if len(perms.Unresolved) > 0 {
//		// the role could not be read completely: say so, do not call it safe
//	}
//
// Unknown model values stay unknown here as everywhere in Warden: an Allow
// whose action or resource could not be resolved is reported as unknown,
// never read as safe, and a Deny that could not be resolved never removes a
// grant.
package iam

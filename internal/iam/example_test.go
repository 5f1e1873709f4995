package iam_test

import (
	"fmt"

	"github.com/wardensec/warden/internal/iam"
)

// A rule asks the engine about a role and points its finding at the
// statements the answer names.
func Example() {
	pol, err := iam.ParsePolicyJSON("template.yaml", 40, []byte(`{
	  "Statement": [
	    {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"},
	    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:*"},
	    {"Effect": "Deny", "Action": "iam:PutRolePolicy", "Resource": "*"}
	  ]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	perms := iam.EvaluatePolicies(pol) // iam.Evaluate(role) for a model.Role
	for _, path := range perms.CanEscalate(nil) {
		fmt.Printf("%s at %v (conditional=%v)\n", path.ID, path.Positions(), path.Conditional)
	}
	for _, c := range perms.CanInvokeAnyFunction() {
		fmt.Printf("%s on %s at %v\n", c.Action, c.Grants[0].Pattern, c.Positions())
	}
	fmt.Println("PutRolePolicy allowed:", perms.Query("iam:putrolepolicy").Allowed())
	// Output:
	// passrole-lambda-create-invoke at [template.yaml:42 template.yaml:43] (conditional=false)
	// lambda:InvokeFunction on arn:aws:lambda:*:*:function:* at [template.yaml:43]
	// PutRolePolicy allowed: false
}

// The sample function is its own module, as a Lambda Go function is: it is
// scanned by Warden, not built with it.
module example.com/least-privilege/report

go 1.22

require (
	github.com/aws/aws-lambda-go v1.47.0
	github.com/aws/aws-sdk-go-v2 v1.30.3
	github.com/aws/aws-sdk-go-v2/config v1.27.27
	github.com/aws/aws-sdk-go-v2/service/dynamodb v1.34.4
	github.com/aws/aws-sdk-go-v2/service/s3 v1.58.3
)

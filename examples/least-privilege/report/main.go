// Command report scans the orders table every night and writes a CSV
// report to a fixed bucket.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type reporter struct {
	db    *dynamodb.Client
	store *s3.Client
}

func (r *reporter) run(ctx context.Context) error {
	out, err := r.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(os.Getenv("ORDERS_TABLE"))})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "orders,%d\n", out.Count)
	_, err = r.store.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("orders-reports"),
		Key:    aws.String("daily/" + time.Now().Format("2006-01-02") + ".csv"),
		Body:   bytes.NewReader(buf.Bytes()),
	})
	return err
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	r := &reporter{db: dynamodb.NewFromConfig(cfg), store: s3.NewFromConfig(cfg)}
	lambda.Start(r.run)
}

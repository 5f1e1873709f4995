package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type handler struct {
	db    *dynamodb.Client
	store *s3.Client
}

func (h *handler) handle(ctx context.Context, ev map[string]string) error {
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: ev["id"]}}
	if _, err := h.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(os.Getenv("TABLE")), Key: key}); err != nil {
		return err
	}
	if _, err := h.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(os.Getenv("TABLE")), Item: key}); err != nil { // want "WAR-IAM-015 .*dynamodb:PutItem"
		return err
	}
	_, err := h.store.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("order-archive"), Key: aws.String(ev["id"])}) // want "WAR-IAM-015 .*s3:GetObject on arn:aws:s3:::order-archive/\\*"
	return err
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	h := &handler{db: dynamodb.NewFromConfig(cfg), store: s3.NewFromConfig(cfg)}
	lambda.Start(h.handle)
}

package deps

import (
	"reflect"
	"testing"
)

func TestPythonImports(t *testing.T) {
	src := `"""Handler."""
import os, sys
import yaml.constructor as yc
from requests.adapters import HTTPAdapter
from . import models
from .util import x
import boto3  # AWS SDK
def f():
    import jwt
    from PIL import Image
# import commented
x = "import notreal"
`
	got := PythonImports(src)
	want := []string{"os", "sys", "yaml", "boto3", "jwt", "requests", "PIL"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PythonImports = %v, want %v", got, want)
	}
}

func TestJSImports(t *testing.T) {
	src := `const _ = require('lodash');
const { S3Client } = require("@aws-sdk/client-s3");
import express from 'express';
import * as fp from "lodash/fp";
import { v4 } from 'uuid'; import 'dotenv/config';
export { x } from '@scope/pkg/deep/path';
const local = require('./util');
const fs = require('node:fs');
const lazy = await import('minimist');
`
	got := JSImports(src)
	want := []string{"lodash", "@aws-sdk/client-s3", "express", "uuid", "dotenv", "@scope/pkg", "minimist"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSImports = %v, want %v", got, want)
	}
}

func TestGoImports(t *testing.T) {
	got := GoImports("package main\n\nimport (\n\t\"fmt\"\n\tlambda \"github.com/aws/aws-lambda-go/lambda\"\n)\n")
	if want := []string{"fmt", "github.com/aws/aws-lambda-go/lambda"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GoImports = %v, want %v", got, want)
	}
	if GoImports("not go") != nil {
		t.Error("garbage parsed")
	}
}

func TestImported(t *testing.T) {
	tests := []struct {
		eco, name string
		imports   []string
		want      bool
	}{
		{"PyPI", "PyYAML", []string{"yaml"}, true},
		{"PyPI", "python-dateutil", []string{"dateutil"}, true},
		{"PyPI", "Pillow", []string{"PIL"}, true},
		{"PyPI", "requests", []string{"requests"}, true},
		{"PyPI", "charset-normalizer", []string{"charset_normalizer"}, true},
		{"PyPI", "urllib3", []string{"requests"}, false},
		{"npm", "lodash", []string{"lodash/fp"}, true},
		{"npm", "@aws-sdk/client-s3", []string{"@aws-sdk/client-s3"}, true},
		{"npm", "lodash", []string{"lodash-es"}, false},
		{"Go", "golang.org/x/net", []string{"golang.org/x/net/http2"}, true},
		{"Go", "golang.org/x/net", []string{"golang.org/x/network"}, false},
		{"Go", "stdlib", []string{"net/http"}, true},
		{"Go", "stdlib", []string{"github.com/a/b"}, true}, // the runtime is always linked
	}
	for _, tt := range tests {
		if got := Imported(tt.eco, tt.name, tt.imports); got != tt.want {
			t.Errorf("Imported(%s, %s, %v) = %v", tt.eco, tt.name, tt.imports, got)
		}
	}
}

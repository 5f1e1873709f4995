provider "registry.terraform.io/hashicorp/aws" {
  version = "5.40.0"
  hashes = [
    "h1:KEJbsX7rUXomXEMuJ3Gy3iXmLMb7tlTGBsd/hWbwrpBfEb4c=",
    "zh:11f177a2385703740bd26d0652d3dba08575101d7639f386ce5637bdb0e29a13",
  ]
}

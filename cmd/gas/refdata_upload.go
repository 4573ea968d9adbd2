package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/s3blob"
)

// refdataUpload implements `gas refdata upload`: it copies a built bundle
// into the stack's refdata bucket with the default AWS credentials.
func refdataUpload(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gas refdata upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bucket := fs.String("bucket", "", "the stack's refdata `bucket` (output RefdataBucketName)")
	prefix := fs.String("prefix", awsenv.BundlePrefix, "key `prefix` of the bundle; the annotate Lambda reads "+awsenv.BundlePrefix)
	endpoint := fs.String("endpoint", "", "S3 endpoint `URL` with path-style addressing (an emulator); default: AWS, or AWS_ENDPOINT_URL_S3")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gas refdata upload --bucket BUCKET [--prefix bundle/] DIR")
		fmt.Fprintln(stderr, "Credentials and region come from the usual AWS settings (environment, ~/.aws, SSO).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err // -h: main exits quietly on flag.ErrHelp
	}
	if fs.NArg() != 1 || *bucket == "" {
		fs.Usage()
		return errors.New("need --bucket and exactly one bundle directory")
	}
	dir := fs.Arg(0)
	p := strings.TrimPrefix(*prefix, "/")
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	// Refuse anything that is not a bundle before sending a byte.
	b, err := refdata.Open(dir)
	if err != nil {
		return err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
			o.UsePathStyle = true
		}
	})
	n, err := s3blob.New(client, *bucket).UploadDir(ctx, dir, p)
	if err != nil {
		return err
	}
	m := b.Manifest()
	fmt.Fprintf(stdout, "uploaded %d files of the %s bundle (format %d, built %s) to s3://%s/%s\n",
		n, m.Assembly, m.Format, m.Built.Format("2006-01-02 15:04 MST"), *bucket, p)
	if p != awsenv.BundlePrefix {
		fmt.Fprintf(stdout, "note: the annotate Lambda reads s3://%s/%s, not %s\n", *bucket, awsenv.BundlePrefix, p)
	}
	return nil
}

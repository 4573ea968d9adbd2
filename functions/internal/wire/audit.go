package wire

import (
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/sfnflow"
)

// Exporter is the audit export Lambda's use case: it reads executions of
// both state machines (and their map runs), the jobs table and the job's
// objects, and writes records once to GAS_AUDIT_BUCKET.
func (s *Stores) Exporter() (*audit.Exporter, error) {
	bucket := s.Env.String(awsenv.AuditBucket)
	annotation, restore := s.Env.String(awsenv.AnnotationMachineARN), s.Env.String(awsenv.RestoreMachineARN)
	if err := s.Env.Err(); err != nil {
		return nil, err
	}
	workflow := sfnflow.New(sfn.NewFromConfig(s.AWS), map[string]string{domain.MachineAnnotation: annotation, domain.MachineRestore: restore})
	return &audit.Exporter{Executions: workflow, Jobs: s.Jobs, Objects: s.Blobs, Archive: s3blob.New(s.S3, bucket), Log: s.Log}, nil
}

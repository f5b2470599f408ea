// Package importsgrpc serves spona.imports.v1.ImportService over a service's
// imports and turns imports into their protos and long-running operations
// (AIP-151). It only translates.
package importsgrpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"strings"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	pb "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/sheet"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server is the ImportService of one service's imports.
type Server struct {
	pb.UnimplementedImportServiceServer
	store *importsjob.Store
	log   *slog.Logger
}

// New returns the server over store.
func New(store *importsjob.Store, log *slog.Logger) *Server { return &Server{store: store, log: log} }

func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return p, errs.New(errs.KindUnauthenticated, "missing principal")
	}
	return p, nil
}

// GetImport returns one of the caller's imports.
func (s *Server) GetImport(ctx context.Context, req *pb.GetImportRequest) (*pb.GetImportResponse, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id := strings.TrimPrefix(req.GetId(), "imports/")
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	imp, err := s.store.Get(ctx, p.OrganisationID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	return &pb.GetImportResponse{Import: ToProto(ctx, s.log, imp)}, nil
}

// ListImports lists the caller's imports, newest first.
func (s *Server) ListImports(ctx context.Context, req *pb.ListImportsRequest) (*pb.ListImportsResponse, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	page, err := pagination.Parse(req.GetPageSize(), req.GetPageToken(), pagination.UUIDKey, p.OrganisationID, pagination.Fingerprint("imports"))
	if err != nil {
		return nil, err
	}
	rows, err := s.store.List(ctx, p.OrganisationID, page)
	if err != nil {
		return nil, err
	}
	rows, next := pagination.Next(page, rows, func(i *imports.Import) string { return i.ID })
	out := &pb.ListImportsResponse{NextPageToken: next}
	for _, i := range rows {
		out.Imports = append(out.Imports, ToProto(ctx, s.log, i))
	}
	return out, nil
}

// GetOperation returns the operation of one of the caller's imports.
func (s *Server) GetOperation(ctx context.Context, req *pb.GetOperationRequest) (*longrunningpb.Operation, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id := strings.TrimPrefix(req.GetId(), "operations/")
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	imp, err := s.store.Get(ctx, p.OrganisationID, ids.Normalize(id))
	if err != nil {
		return nil, err
	}
	return Operation(ctx, s.log, imp)
}

var kinds = map[string]pb.ImportKind{
	imports.KindBeneficiaries: pb.ImportKind_IMPORT_KIND_BENEFICIARIES,
	imports.KindParticipants:  pb.ImportKind_IMPORT_KIND_PARTICIPANTS,
}

var states = map[string]pb.ImportState{
	imports.StateRunning:   pb.ImportState_IMPORT_STATE_RUNNING,
	imports.StateSucceeded: pb.ImportState_IMPORT_STATE_SUCCEEDED,
	imports.StateFailed:    pb.ImportState_IMPORT_STATE_FAILED,
}

func ts(t interface{ IsZero() bool }) bool { return !t.IsZero() }

// ToProto translates an import.
func ToProto(ctx context.Context, log *slog.Logger, i *imports.Import) *pb.Import {
	out := &pb.Import{
		Id: i.ID, Operation: "operations/" + i.ID, Kind: kinds[i.Kind], Parent: i.Parent, OrganisationId: i.OrganisationID,
		State: states[i.State], ValidateOnly: i.ValidateOnly, OnError: i.OnError, OnDuplicate: i.OnDuplicate,
		Format: i.Format, Encoding: i.Encoding, FileSha256: i.FileSHA256, Counts: counts(i.Counts),
		ProgressPercent: intconv.Int32(i.Progress), ProblemCount: intconv.Int32(i.ProblemCount),
		CreateTime: timestamppb.New(i.CreateTime), UpdateTime: timestamppb.New(i.UpdateTime),
	}
	if ts(i.CompleteTime) {
		out.CompleteTime = timestamppb.New(i.CompleteTime)
	}
	for _, c := range i.Columns {
		out.Columns = append(out.Columns, &pb.ImportColumn{Letter: c.Letter, Header: c.Header, Field: c.Field})
	}
	for _, p := range i.Problems {
		out.Problems = append(out.Problems, &pb.ImportProblem{Row: intconv.Int32(p.Row), Column: p.Column, Field: p.Field, Value: p.Value, Message: p.Message})
	}
	for _, d := range i.Duplicates {
		rd := &pb.RowDuplicates{Row: intconv.Int32(d.Row), Outcome: d.Outcome, ResourceId: d.ResourceID}
		for _, m := range d.Matches {
			rd.Matches = append(rd.Matches, &pb.DuplicateMatch{Id: m.ID, Score: m.Score, NameScore: m.NameScore, BirthScore: m.BirthScore,
				BirthConflict: m.Conflict})
		}
		for _, r := range d.SameAs {
			rd.SameAsRows = append(rd.SameAsRows, intconv.Int32(r))
		}
		out.Duplicates = append(out.Duplicates, rd)
	}
	if i.Error != nil {
		out.Error = status.Convert(grpcx.ToStatus(ctx, log, i.Error)).Proto()
	}
	return out
}

func counts(c imports.Counts) *pb.ImportCounts {
	return &pb.ImportCounts{Rows: intconv.Int32(c.Rows), Processed: intconv.Int32(c.Processed), Valid: intconv.Int32(c.Valid), Invalid: intconv.Int32(c.Invalid),
		Duplicates: intconv.Int32(c.Duplicates), Created: intconv.Int32(c.Created), Skipped: intconv.Int32(c.Skipped), Linked: intconv.Int32(c.Linked)}
}

// ReplayedHeader is the response header (gRPC metadata) of the answer to
// an upload that repeated an earlier one; the edge answers it as HTTP's
// Idempotent-Replayed.
const ReplayedHeader = "idempotent-replayed"

// Operation returns the long-running operation of an import: its metadata
// is an ImportMetadata; once done, its response is the Import, or its error
// why it failed. The answer to an upload that repeated an earlier one (the
// import Replayed) says so: in the metadata (replayed) and in its header
// (ReplayedHeader).
func Operation(ctx context.Context, log *slog.Logger, i *imports.Import) (*longrunningpb.Operation, error) {
	meta, err := anypb.New(&pb.ImportMetadata{ImportId: i.ID, State: states[i.State], ProgressPercent: intconv.Int32(i.Progress),
		Counts: counts(i.Counts), CreateTime: timestamppb.New(i.CreateTime), UpdateTime: timestamppb.New(i.UpdateTime), Replayed: i.Replayed})
	if err != nil {
		return nil, err
	}
	if i.Replayed {
		_ = grpc.SetHeader(ctx, metadata.Pairs(ReplayedHeader, "true"))
	}
	op := &longrunningpb.Operation{Name: "operations/" + i.ID, Metadata: meta, Done: i.Done()}
	switch i.State {
	case imports.StateSucceeded:
		resp, err := anypb.New(ToProto(ctx, log, i))
		if err != nil {
			return nil, err
		}
		op.Result = &longrunningpb.Operation_Response{Response: resp}
	case imports.StateFailed:
		op.Result = &longrunningpb.Operation_Error{Error: status.Convert(grpcx.ToStatus(ctx, log, i.Error)).Proto()}
	}
	return op, nil
}

// Template returns an empty sheet with the columns' headers: XLSX (the
// default) with a second sheet listing each column's local names and the
// accepted values of coded columns, or CSV (UTF-8 with a byte order mark)
// with the header only. extra are more headers (attendance columns). The
// XLSX sheet's columns are formatted as text, but for the Date columns: a
// spreadsheet program keeps what is typed in them as typed.
func Template(format, name string, cols []imports.Column, words map[string]imports.Words, extra ...string) (*httpbody.HttpBody, string, error) {
	header := make([]string, 0, len(cols)+len(extra))
	values := [][]string{{"column", "also accepted as header", "accepted values"}}
	var text []int
	for _, c := range cols {
		if !c.Date {
			text = append(text, len(header))
		}
		header = append(header, c.Field)
		var vals []string
		if w, ok := words[c.Field]; ok {
			vals = localWords(w)
		} else {
			vals = c.Values
		}
		req := ""
		if c.Required {
			req = " (required)"
		}
		values = append(values, []string{c.Field + req, strings.Join(c.Names, ", "), strings.Join(vals, "; ")})
	}
	for _, h := range extra {
		text = append(text, len(header))
		header = append(header, h)
	}
	var buf bytes.Buffer
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "xlsx":
		if err := sheet.WriteXLSX(&buf, sheet.Table{Name: name, Rows: [][]string{header}, Text: text}, sheet.Table{Name: "values", Rows: values}); err != nil {
			return nil, "", err
		}
		return &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: buf.Bytes()}, name + "-template.xlsx", nil
	case "csv":
		if err := sheet.WriteCSV(&buf, sheet.Table{Rows: [][]string{header}}); err != nil {
			return nil, "", err
		}
		return &httpbody.HttpBody{ContentType: sheet.MediaCSV + "; charset=utf-8", Data: buf.Bytes()}, name + "-template.csv", nil
	}
	var v errs.Violations
	v.Add("format", "must be xlsx or csv")
	return nil, "", v.Err()
}

// localWords lists each code with the words that mean it: "female (ž, ženski, …)".
func localWords(w imports.Words) []string {
	byCode := map[string][]string{}
	for word, code := range w {
		if word != imports.HeaderKey(code) && !strings.Contains(word, strings.ReplaceAll(code, "_", "")) {
			byCode[code] = append(byCode[code], word)
		}
	}
	var out []string
	for _, code := range w.Codes() {
		ws := byCode[code]
		sort.Strings(ws)
		if len(ws) > 0 {
			out = append(out, code+" ("+strings.Join(ws, ", ")+")")
		} else {
			out = append(out, code)
		}
	}
	return out
}

// TakeFile checks an upload's file (given, at most env's MaxBytes) and
// takes it out of the request (*file is nil after), so that the import is
// the only holder of the file and lets go of it once its rows are staged
// (the call goes on for a while after: it waits for the import).
func TakeFile(file **httpbody.HttpBody, env importsjob.Env) (contentType string, data []byte, err error) {
	f := *file
	if len(f.GetData()) == 0 {
		return "", nil, errs.Required("file")
	}
	if err := env.CheckSize(len(f.GetData())); err != nil {
		return "", nil, err
	}
	*file = nil
	return f.GetContentType(), f.GetData(), nil
}

// Piece is a message of an upload sent in pieces (a client-streaming RPC):
// its file carries the next bytes.
type Piece interface {
	proto.Message
	GetFile() *httpbody.HttpBody
}

// ReceiveFile receives an upload sent in pieces: the first message (which
// it returns, with the options) brings the file's content type and first
// bytes, each following one only the next bytes. It refuses a file over
// env's MaxBytes as soon as it passes it, and options or a content type
// after the first message. The pieces are kept as they came (never joined
// into a second copy of the file).
func ReceiveFile[M Piece](recv func() (M, error), env importsjob.Env) (first M, contentType string, data sheet.Pieces, err error) {
	first, err = recv()
	if errors.Is(err, io.EOF) {
		return first, "", nil, errs.Required("file")
	}
	if err != nil {
		return first, "", nil, err
	}
	contentType = first.GetFile().GetContentType()
	// Small pieces are gathered into buffers of gatherBytes (a file sent a
	// byte at a time is not held as millions of slices).
	var gathering bool
	add := func(b []byte) {
		switch n := len(data); {
		case len(b) >= gatherBytes:
			data, gathering = append(data, b), false
		case gathering && len(data[n-1])+len(b) <= gatherBytes:
			data[n-1] = append(data[n-1], b...)
		default:
			data, gathering = append(data, append(make([]byte, 0, gatherBytes), b...)), true
		}
	}
	add(first.GetFile().GetData())
	size := len(first.GetFile().GetData())
	if f := first.GetFile(); f != nil {
		f.Data = nil // the caller keeps the first message for its options
	}
	for {
		m, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return first, "", nil, err
		}
		if !onlyData(m) {
			var v errs.Violations
			v.Add("file", "only the first message of an upload carries options and the file's content type; the others carry file.data alone")
			return first, "", nil, v.Err()
		}
		add(m.GetFile().GetData())
		size += len(m.GetFile().GetData())
		if err := env.CheckReceived(size); err != nil {
			return first, "", nil, err
		}
	}
	if size == 0 {
		return first, "", nil, errs.Required("file")
	}
	if err := env.CheckSize(size); err != nil {
		return first, "", nil, err
	}
	return first, contentType, data, nil
}

// gatherBytes is the size of the buffers small pieces are gathered into.
const gatherBytes = 64 << 10

// onlyData reports whether m carries nothing but its file's data.
func onlyData[M Piece](m M) bool {
	file := grpcx.FileField(m.ProtoReflect().Descriptor())
	only := true
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		only = fd == file
		return only
	})
	f := m.GetFile()
	return only && f.GetContentType() == "" && len(f.GetExtensions()) == 0
}

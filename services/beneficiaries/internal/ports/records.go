package ports

import (
	"context"
	"strconv"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/protoenum"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

func itoa(i int) string { return strconv.Itoa(i) }

func documentFromProto(v *errs.Violations, field string, in *pb.IdentityDocument) *domain.Document {
	return &domain.Document{
		Type:           protoenum.Code(in.GetType()),
		Number:         in.GetNumber(),
		IssuingCountry: in.GetIssuingCountry(),
		ExpiryDate:     date.ParseField(v, field+".expiry_date", in.GetExpiryDate()),
	}
}

func documentToProto(d *domain.Document) *pb.IdentityDocument {
	return &pb.IdentityDocument{
		Id:             d.ID,
		Type:           protoenum.Parse[pb.DocumentType](d.Type),
		Number:         d.Number,
		IssuingCountry: d.IssuingCountry,
		ExpiryDate:     d.ExpiryDate.String(),
		CreateTime:     timestamp(d.CreateTime),
	}
}

func (g *GRPC) CreateDocument(ctx context.Context, req *pb.CreateDocumentRequest) (*pb.CreateDocumentResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetDocument() == nil {
		return nil, errs.Required("document")
	}
	var v errs.Violations
	d := documentFromProto(&v, "document", req.GetDocument())
	if err := v.Err(); err != nil {
		return nil, err
	}
	d, err = g.app.CreateDocument(ctx, act, req.GetBeneficiaryId(), d)
	if err != nil {
		return nil, err
	}
	return &pb.CreateDocumentResponse{Document: documentToProto(d)}, nil
}

func (g *GRPC) ListDocuments(ctx context.Context, req *pb.ListDocumentsRequest) (*pb.ListDocumentsResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, next, err := g.app.ListDocuments(ctx, act, req.GetBeneficiaryId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &pb.ListDocumentsResponse{NextPageToken: next}
	for _, d := range rows {
		out.Documents = append(out.Documents, documentToProto(d))
	}
	return out, nil
}

func (g *GRPC) DeleteDocument(ctx context.Context, req *pb.DeleteDocumentRequest) (*pb.DeleteDocumentResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.app.DeleteDocument(ctx, act, req.GetBeneficiaryId(), req.GetId()); err != nil {
		return nil, err
	}
	return &pb.DeleteDocumentResponse{}, nil
}

func householdToProto(h *domain.Household) *pb.Household {
	out := &pb.Household{Id: h.ID, OrganisationId: h.OrganisationID, Reference: h.Reference, CreateTime: timestamp(h.CreateTime)}
	for _, m := range h.Members {
		out.Members = append(out.Members, &pb.HouseholdMember{BeneficiaryId: m.BeneficiaryID, Relationship: protoenum.Parse[pb.Relationship](m.Relationship)})
	}
	return out
}

func memberFromProto(in *pb.HouseholdMember) domain.HouseholdMember {
	return domain.HouseholdMember{BeneficiaryID: in.GetBeneficiaryId(), Relationship: protoenum.Code(in.GetRelationship())}
}

func (g *GRPC) CreateHousehold(ctx context.Context, req *pb.CreateHouseholdRequest) (*pb.CreateHouseholdResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetHousehold()
	if in == nil {
		return nil, errs.Required("household")
	}
	h := &domain.Household{Reference: in.GetReference()}
	for _, m := range in.GetMembers() {
		h.Members = append(h.Members, memberFromProto(m))
	}
	h, err = g.app.CreateHousehold(ctx, act, h, grpcx.RequestID(ctx, req.GetRequestId()))
	if err != nil {
		return nil, err
	}
	return &pb.CreateHouseholdResponse{Household: householdToProto(h)}, nil
}

func (g *GRPC) GetHousehold(ctx context.Context, req *pb.GetHouseholdRequest) (*pb.GetHouseholdResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	h, err := g.app.GetHousehold(ctx, act, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetHouseholdResponse{Household: householdToProto(h)}, nil
}

func (g *GRPC) AddHouseholdMember(ctx context.Context, req *pb.AddHouseholdMemberRequest) (*pb.AddHouseholdMemberResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetMember() == nil {
		return nil, errs.Required("member")
	}
	h, err := g.app.AddHouseholdMember(ctx, act, req.GetHouseholdId(), memberFromProto(req.GetMember()))
	if err != nil {
		return nil, err
	}
	return &pb.AddHouseholdMemberResponse{Household: householdToProto(h)}, nil
}

func (g *GRPC) RemoveHouseholdMember(ctx context.Context, req *pb.RemoveHouseholdMemberRequest) (*pb.RemoveHouseholdMemberResponse, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	h, err := g.app.RemoveHouseholdMember(ctx, act, req.GetHouseholdId(), req.GetBeneficiaryId())
	if err != nil {
		return nil, err
	}
	return &pb.RemoveHouseholdMemberResponse{Household: householdToProto(h)}, nil
}

package gateway

import (
	"context"
	"net/http"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	impv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/i18n"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// languageKey holds, in a request's context, the language its
// Accept-Language asks for (i18n.Negotiate).
type languageKey struct{}

// negotiated keeps the language a request asks for in its context, for
// what the gateway localizes after the call (localizeImports).
func negotiated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.Negotiate(r.Header.Get("Accept-Language"))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), languageKey{}, lang)))
	})
}

// localizeImports gives every import an answer carries (GET
// /v1/imports/{id}, an upload's or GET /v1/operations/{id}'s operation,
// GET /v1/imports) its problems' localized_message and its error's
// google.rpc.LocalizedMessage in the language the request asks for, from
// the catalogue the errors' field violations are localized from (i18n),
// as errorHandler localizes a refusal.
func localizeImports(ctx context.Context, _ http.ResponseWriter, m proto.Message) error {
	lang, _ := ctx.Value(languageKey{}).(string)
	if lang == "" {
		lang = i18n.Languages[0]
	}
	// The answer of a route with a response_body comes wrapped.
	switch x := m.ProtoReflect().Interface().(type) {
	case *impv1.GetImportResponse:
		localizeImport(x.GetImport(), lang)
	case *impv1.ListImportsResponse:
		for _, imp := range x.GetImports() {
			localizeImport(imp, lang)
		}
	case *longrunningpb.Operation:
		if r := x.GetResponse(); r != nil && r.MessageIs((*impv1.Import)(nil)) {
			imp := &impv1.Import{}
			if err := r.UnmarshalTo(imp); err != nil {
				return nil // written as it came
			}
			localizeImport(imp, lang)
			if err := r.MarshalFrom(imp); err != nil {
				return err
			}
		}
		if e := x.GetError(); e != nil {
			x.Result = &longrunningpb.Operation_Error{Error: i18n.Localize(status.FromProto(e), lang).Proto()}
		}
	}
	return nil
}

func localizeImport(imp *impv1.Import, lang string) {
	if imp == nil {
		return
	}
	for _, p := range imp.GetProblems() {
		p.LocalizedMessage = i18n.Problem(p.GetMessage(), lang)
	}
	if e := imp.GetError(); e != nil {
		imp.Error = i18n.Localize(status.FromProto(e), lang).Proto()
	}
}

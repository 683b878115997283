using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace RawTls.DevPki;

/// <summary>The responder as Kestrel's application: one <see cref="HttpContext"/> per request, handled by <see cref="HandleAsync"/>.</summary>
public sealed partial class OcspResponder
{
    private sealed class Application(OcspResponder responder) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => responder.HandleAsync(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}

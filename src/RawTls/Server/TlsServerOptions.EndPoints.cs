using System.Net;

namespace RawTls.Server;

/// <summary>Per-endpoint settings: validated and copied with the rest of the options at start.</summary>
public sealed partial class TlsServerOptions
{
    private void CopyEndPointOptions(TlsServerOptions copy)
    {
        foreach (var (endPoint, listen) in EndPointOptions)
        {
            if (!copy.EndPoints.Any(e => ReferenceEquals(e, endPoint)))
            {
                throw new InvalidOperationException($"TlsServerOptions.EndPointOptions has settings for {endPoint}, which is not in EndPoints (entries are keyed by the instance held there).");
            }

            listen.Validate(endPoint);
            copy.EndPointOptions[endPoint] = listen.Copy();
        }
    }
}

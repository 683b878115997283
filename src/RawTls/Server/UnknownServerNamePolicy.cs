namespace RawTls.Server;

/// <summary>How the server answers a client whose server name (SNI) matches none of its certificates.</summary>
public enum UnknownServerNamePolicy
{
    /// <summary>Serve the default (first) certificate; clients that send no name always get it.</summary>
    UseDefaultCertificate,

    /// <summary>Fail the handshake when a name was sent and matches nothing; clients without SNI get the default.</summary>
    RefuseHandshake,
}

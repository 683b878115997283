namespace RawTls.DevPki; internal static class Placeholder {}

namespace RawTls; internal static class Placeholder {}

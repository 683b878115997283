using System.Formats.Asn1;
using RawTls.Ocsp;

namespace RawTls.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the OCSP parser and validator (CI mode: fixed seed, a few seconds; bench/fuzz: minutes, random
/// seeds). Only a typed rejection may come out; an accepted mutant must pass <see cref="OcspIndependentCheck"/>.
/// </summary>
[Trait("Category", "Fuzz")]
public class OcspFuzzTests
{
    [Fact]
    public void Seeds_have_the_expected_verdicts_so_the_fuzzer_starts_from_accepted_responses()
    {
        OcspFuzzCorpus corpus = OcspFuzzCorpus.Shared;
        int accepted = 0;
        foreach (byte[] seed in corpus.Seeds)
        {
            foreach (OcspFuzzContext context in corpus.Contexts)
            {
                OcspValidationResult result = context.Validator.Validate(seed);
                if (result.IsAccepted)
                {
                    Assert.True(OcspIndependentCheck.AssertGenuine(seed, context, result));
                    accepted++;
                }
            }
        }

        // gts good; openssl issuer, deleg, deleg-keyid, rsapss, revoked; per DevPki hierarchy good, revoked, unknown, delegated x2.
        Assert.Equal(1 + 5 + (2 * 5), accepted);
    }

    [Fact]
    public void Mutated_responses_are_rejected_by_type_or_independently_genuine()
    {
        OcspFuzzCorpus corpus = OcspFuzzCorpus.Shared;
        long accepted = 0;
        long undecodable = 0;
        var reasons = new HashSet<OcspRejectReason>();
        long count = FuzzHarness.Run("ocsp-validate", Mutator.Der(corpus.Seeds, corpus.Certificates), input =>
        {
            foreach (OcspFuzzContext context in corpus.Contexts)
            {
                OcspValidationResult result = context.Validator.Validate(input);
                if (result.IsAccepted)
                {
                    // BouncyCastle refusing to decode at all is tolerated only for a few inputs (counted below).
                    if (!OcspIndependentCheck.AssertGenuine(input, context, result))
                    {
                        Interlocked.Increment(ref undecodable);
                    }

                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Assert.True(Enum.IsDefined(result.RejectReason) && result.RejectReason != OcspRejectReason.None, $"untyped rejection {result.RejectReason}");
                    Assert.False(string.IsNullOrEmpty(result.Message));
                    lock (reasons)
                    {
                        reasons.Add(result.RejectReason);
                    }
                }
            }
        }, new FuzzLimits { SlowInput = TimeSpan.FromSeconds(1) }); // four contexts; a delegated signer costs tens of ms here

        Assert.True(count > 20, $"only {count} inputs ran");
        Assert.True(undecodable <= Math.Max(1, accepted / 10), $"{undecodable} of {accepted} accepted mutants could not be decoded by BouncyCastle");
        // The mutations reach past the parser: the signer and signature checks reject something too.
        Assert.Contains(OcspRejectReason.Malformed, reasons);
        Assert.Contains(OcspRejectReason.InvalidSignature, reasons);
        Assert.Contains(OcspRejectReason.UnauthorizedSigner, reasons);
    }

    [Fact]
    public void Mutated_responses_make_the_parser_throw_only_AsnContentException()
    {
        OcspFuzzCorpus corpus = OcspFuzzCorpus.Shared;
        long count = FuzzHarness.Run("ocsp-parse", Mutator.Der(corpus.Seeds, corpus.Certificates), static input =>
        {
            try
            {
                int status = OcspResponseParser.ReadEnvelope(input, out string? type, out ReadOnlyMemory<byte> bytes);
                if (status == 0 && type is not null)
                {
                    OcspBasicResponse basic = OcspResponseParser.ParseBasic(bytes);
                    Assert.NotNull(basic.Responses);
                }
            }
            catch (AsnContentException)
            {
                // the typed reject
            }
        }, new FuzzLimits { SlowInput = TimeSpan.FromMilliseconds(20) });

        Assert.True(count > 200, $"only {count} inputs ran");
    }
}

namespace Cqil.Lab.Core.Model;

/// <summary>
/// Rotary frequency scaling declared in config.json's rope_scaling. Llama-3 style ("llama3") rescales
/// low frequencies smoothly; "linear" divides every frequency by <see cref="Factor"/>.
/// </summary>
public sealed record RopeScaling(
    string Type,
    double Factor,
    double LowFrequencyFactor = 1.0,
    double HighFrequencyFactor = 4.0,
    int OriginalMaxPositions = 8192)
{
    /// <summary>Applies the scaling to the base inverse frequencies (one per rotated pair).</summary>
    public double[] Apply(double[] inverseFrequencies)
    {
        var scaled = new double[inverseFrequencies.Length];
        for (int i = 0; i < scaled.Length; i++)
        {
            double f = inverseFrequencies[i];
            scaled[i] = Type switch
            {
                "linear" => f / Factor,
                "llama3" => ScaleLlama3(f),
                _ => throw new InvalidOperationException($"unknown rope scaling '{Type}'"),
            };
        }
        return scaled;
    }

    // Meta's Llama 3.1 rule: keep high frequencies, divide low ones by the factor, interpolate between.
    private double ScaleLlama3(double inverseFrequency)
    {
        double lowFreqWavelen = OriginalMaxPositions / LowFrequencyFactor;
        double highFreqWavelen = OriginalMaxPositions / HighFrequencyFactor;
        double wavelen = 2 * Math.PI / inverseFrequency;
        if (wavelen < highFreqWavelen)
        {
            return inverseFrequency;
        }
        if (wavelen > lowFreqWavelen)
        {
            return inverseFrequency / Factor;
        }
        double smooth = (OriginalMaxPositions / wavelen - LowFrequencyFactor) / (HighFrequencyFactor - LowFrequencyFactor);
        return (1 - smooth) * inverseFrequency / Factor + smooth * inverseFrequency;
    }
}

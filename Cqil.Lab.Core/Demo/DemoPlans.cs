using Cqil.Lab.Core.Cqil;

namespace Cqil.Lab.Core.Demo;

/// <summary>The CQIL plan the demo reports on: pairs of layers over the middle third of the stack.</summary>
public static class DemoPlans
{
    /// <summary>The fewest layers with a middle third to group (S1-E3-P2 for 3).</summary>
    public const int FewestLayers = 3;

    /// <summary>
    /// P=2 groups from S = round(L/3) to E = round(2L/3); when E − S is odd, E moves one layer up (or S one
    /// down when E is already the last layer). S4-E8-P2 for 12 layers, S1-E3-P2 for 3.
    /// </summary>
    public static GroupPlan MiddleThirdPairs(int layers)
    {
        int start = (int)Math.Round(layers / 3.0, MidpointRounding.AwayFromZero);
        int end = (int)Math.Round(2 * layers / 3.0, MidpointRounding.AwayFromZero);
        if ((end - start) % 2 != 0)
        {
            if (end < layers)
            {
                end++;
            }
            else
            {
                start--;
            }
        }
        if (end <= start)
        {
            throw new InvalidInputException($"a {layers}-layer model has no middle third to group in pairs");
        }
        return GroupPlan.FromSep(layers, start, end, 2);
    }
}

using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace Cqil.Lab.Tests.Fixtures;

/// <summary>
/// Finds, in compiled code, the TorchSharp calls that hand libtorch a scalar nothing keeps alive during the
/// native call (see Core's Model/Scalars): a number converted implicitly to a <see cref="Scalar"/>, a TorchSharp
/// method that makes such a temporary inside (e.g. <c>a + b</c>'s alpha, <c>square()</c>'s exponent, the bounds
/// <c>arange(n)</c> fills in), and a <c>ToScalar()</c> in a method that never disposes a scalar. Reads IL, so it
/// sees lambdas and local functions too (they compile to methods of their own).
/// </summary>
public static class TemporaryScalarFinder
{
    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);
    private static readonly Dictionary<MethodBase, bool> HidesCache = new();

    /// <summary>"Type.Method: called (why)" for every unsafe call in these types.</summary>
    public static IReadOnlyList<string> Find(IEnumerable<Type> types, Func<Type, bool>? exempt = null)
    {
        var found = new List<string>();
        foreach (var type in types.Where(t => exempt?.Invoke(t) != true))
        {
            foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                var calls = CallsIn(method).ToArray();
                bool disposesScalars = calls.Any(c => c.Name == "Dispose" && (c.DeclaringType == typeof(Scalar) || c.DeclaringType == typeof(IDisposable)));
                foreach (var call in calls)
                {
                    string? why = IsImplicitConversion(call) ? "a number becomes a temporary Scalar"
                        : HidesTemporary(call, 0) ? "TorchSharp makes a temporary Scalar inside"
                        : IsScalarMaker(call) && !disposesScalars ? "ToScalar() that is never disposed"
                        : null;
                    if (why is not null)
                    {
                        found.Add($"{type.FullName}.{method.Name}: {call.DeclaringType?.Name}.{call} ({why})");
                    }
                }
            }
        }
        return found;
    }

    private static bool IsImplicitConversion(MethodBase m) => m.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit";

    private static bool IsScalarMaker(MethodBase m) =>
        IsImplicitConversion(m) || (m.DeclaringType?.Name == "ScalarExtensionMethods" && m.Name.StartsWith("To", StringComparison.Ordinal) && m.Name.EndsWith("Scalar", StringComparison.Ordinal));

    /// <summary>Whether a TorchSharp method (or one it calls, a few levels down) makes a scalar it never disposes.</summary>
    private static bool HidesTemporary(MethodBase method, int depth)
    {
        if (depth > 4 || method.DeclaringType?.Assembly != typeof(Scalar).Assembly)
        {
            return false;
        }
        lock (HidesCache)
        {
            if (HidesCache.TryGetValue(method, out bool known))
            {
                return known;
            }
            HidesCache[method] = false; // recursion guard
        }
        var calls = CallsIn(method).ToArray();
        bool hides = !calls.Any(c => c.DeclaringType == typeof(Scalar) && c.Name == "Dispose")
            && calls.Any(c => IsScalarMaker(c) || HidesTemporary(c, depth + 1));
        lock (HidesCache)
        {
            HidesCache[method] = hides;
        }
        return hides;
    }

    /// <summary>The methods a method's IL calls (call, callvirt, newobj, ldftn).</summary>
    private static IEnumerable<MethodBase> CallsIn(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or BadImageFormatException)
        {
            yield break;
        }
        if (il is null)
        {
            yield break;
        }
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? target = null;
                try
                {
                    target = method.Module.ResolveMethod(BitConverter.ToInt32(il, i),
                        method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null,
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                }
                if (target is not null)
                {
                    yield return target;
                }
            }
            i += operand;
        }
    }
}

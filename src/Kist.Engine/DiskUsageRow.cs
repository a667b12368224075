namespace Kist.Engine;

/// <summary>One row of <c>system df</c> (images, containers, volumes, build cache): how many, how many in use, their size and what removing the unused ones frees.</summary>
public sealed record DiskUsageRow(int Total, int Active, long Size, long Reclaimable);

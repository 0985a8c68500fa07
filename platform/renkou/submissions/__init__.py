"""Submissions to the higher bureau (DESIGN.md §5): reports assembled from the towns' approved figures,
rendered as DHIS2 dataValueSets JSON, ADX XML and XLSX, delivered by a job on the ``submissions`` queue.
A correction is a new revision; a revision once built is never edited."""

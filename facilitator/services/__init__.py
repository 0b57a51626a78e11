"""Use cases: Qt-free, one transaction per public function, every PHI write audited."""

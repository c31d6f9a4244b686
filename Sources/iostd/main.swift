print("iostd")
